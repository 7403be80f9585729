using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Fuzz.Targets;

/// <summary>
/// The SIP parser: <see cref="SipMessage.Parse"/>, <see cref="SipMessage.Validate"/>, then every lazy accessor a
/// module may call (Via, From/To, name-addr lists, URIs and their comparison, digest, media type, Expires, option
/// tags). Every range a parser hands out is read back through <see cref="SipMessage.Span"/>, so a range outside the
/// message throws here instead of over-reading somewhere else.
/// </summary>
public sealed class ParserTarget : IFuzzTarget
{
    private static readonly HeaderId[] s_nameAddrHeaders = [HeaderId.From, HeaderId.To, HeaderId.Contact, HeaderId.Route, HeaderId.RecordRoute, HeaderId.Path];

    private readonly SipMessage _message = new();
    private readonly byte[] _buffer = new byte[65536];

    public long Sink { get; private set; }

    public void Run(ReadOnlySpan<byte> input)
    {
        int length = Math.Min(input.Length, _buffer.Length);
        input[..length].CopyTo(_buffer);
        Walk(_message, _buffer, length);
    }

    /// <summary>Parses <paramref name="buffer"/> and reads everything; returns the parse/validation result.</summary>
    public SipError Walk(SipMessage m, byte[] buffer, int length)
    {
        SipError error = m.Parse(buffer, 0, length);
        Touch(m, m.StartLine);
        if (error != SipError.None)
        {
            return error;
        }

        error = m.Validate();
        SipUri ruri = default;
        bool haveRuri = m.IsRequest && SipUri.TryParse(m.Span(m.RequestUri), out ruri);
        if (haveRuri)
        {
            TouchUri(m.Span(m.RequestUri), ruri);
        }

        if (m.GetTopVia(out ViaHeader top) == SipError.None)
        {
            Sink += top.PortNumber;
        }

        Touch(m, m.TopViaBranch);
        Touch(m, m.FromTag);
        Touch(m, m.ToTag);
        Touch(m, m.CallId);
        Sink += m.CSeqNumber + m.MaxForwards + m.ContentLength;
        for (int i = 0; i < m.HeaderCount; i++)
        {
            HeaderEntry h = m.Header(i);
            Touch(m, h.Name);
            Touch(m, h.Value);
            ReadOnlySpan<byte> v = m.Span(h.Value);
            switch (h.Id)
            {
                case HeaderId.Via:
                    foreach (HeaderValue value in m.ValuesOf(i))
                    {
                        if (ViaHeader.TryParse(m.Span(value.Value), value.Value.Start, out ViaHeader via))
                        {
                            Touch(m, via.Host);
                            Touch(m, via.Branch);
                            Touch(m, via.Received);
                            Touch(m, via.Params);
                        }
                    }

                    break;
                case HeaderId.Authorization or HeaderId.ProxyAuthorization or HeaderId.WwwAuthenticate or HeaderId.ProxyAuthenticate:
                    if (DigestHeader.TryParse(v, h.Value.Start, out DigestHeader d))
                    {
                        Sink += DigestTarget.TouchDigest(m.Bytes, d);
                    }

                    break;
                case HeaderId.ContentType:
                    if (MediaType.TryParse(v, h.Value.Start, out MediaType mt))
                    {
                        Touch(m, mt.Type);
                        Touch(m, mt.Subtype);
                        Touch(m, mt.Boundary);
                    }

                    break;
                case HeaderId.Expires:
                    if (Expires.TryParse(v, out uint seconds))
                    {
                        Sink += seconds;
                    }

                    break;
                case HeaderId.Supported or HeaderId.Require or HeaderId.ProxyRequire:
                    Sink += (int)OptionTags.Validate(m, h.Id);
                    Sink += OptionTags.Contains(m, h.Id, "path"u8) ? 1 : 0;
                    break;
            }
        }

        foreach (HeaderId id in s_nameAddrHeaders)
        {
            NameAddrEnumerator e = m.NameAddrs(id);
            while (e.MoveNext())
            {
                NameAddr na = e.Current;
                Touch(m, na.DisplayName);
                Touch(m, na.Params);
                Touch(m, na.Tag);
                Touch(m, na.Expires);
                Touch(m, na.Q);
                Touch(m, na.Instance);
                ReadOnlySpan<byte> uriBytes = m.Span(na.Uri);
                if (!na.IsStar && SipUri.TryParse(uriBytes, out SipUri uri))
                {
                    TouchUri(uriBytes, uri);
                    if (haveRuri)
                    {
                        Sink += SipUri.Equivalent(m.Span(m.RequestUri), ruri, uriBytes, uri) ? 1 : 0;
                    }
                }
            }

            Sink += e.Failed ? 1 : 0;
        }

        Sink += m.GetFirstContact(out _) == SipError.None ? 1 : 0;
        Sink += m.GetFirstRoute(out _) == SipError.None ? 1 : 0;
        Sink += m.Span(m.Body).Length;
        return error;
    }

    public void Dispose()
    {
    }

    private void TouchUri(ReadOnlySpan<byte> s, in SipUri uri)
    {
        Sink += Slice(s, uri.User) + Slice(s, uri.Password) + Slice(s, uri.Host) + Slice(s, uri.Port) + Slice(s, uri.Params)
            + Slice(s, uri.Headers) + Slice(s, uri.Transport) + Slice(s, uri.Maddr) + Slice(s, uri.Ttl) + uri.PortNumber;
        if (uri.Host.IsPresent && NetAddress.TryParse(s.Slice(uri.Host.Start, uri.Host.Length), uri.PortNumber, out NetAddress a))
        {
            Sink += a.Port;
        }
    }

    private void Touch(SipMessage m, TextRange r) => Sink += m.Span(r).Length;

    private static int Slice(ReadOnlySpan<byte> s, TextRange r) => r.Start < 0 ? 0 : s.Slice(r.Start, r.Length).Length;
}
