using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Modules.Nathelper;

/// <summary>nat_uac_test(flags) and is_rfc1918(ip): is the sender behind a NAT (spec §1.1).</summary>
public sealed partial class NathelperModule
{
    /// <summary>Runs the selected tests in OpenSIPS's order (16, 2, 1, 8, 4, 32, 64); true as soon as one is.</summary>
    public static bool NatUacTest(ScriptContext context, NatTest tests)
    {
        SipMessage m = context.Message;
        bool cgn = (tests & NatTest.CarrierGradeNat) != 0;
        NetAddress source = context.Source;
        if ((tests & NatTest.DiffPortSrcVia) != 0 && m.GetTopVia(out ViaHeader via) == SipError.None)
        {
            int port = via.PortNumber != 0 ? via.PortNumber : DefaultPort(m.Span(via.Transport), sips: false);
            if (port != source.Port)
            {
                return true;
            }
        }

        if ((tests & NatTest.DiffIpSrcVia) != 0 && m.GetTopVia(out via) == SipError.None)
        {
            if (via.Received.IsPresent)
            {
                return true;
            }

            ReadOnlySpan<byte> host = m.Span(via.Maddr.IsPresent ? via.Maddr : via.Host);
            if (!NetAddress.TryParse(host, source.Port, out NetAddress a) || !a.HostEquals(source))
            {
                return true;
            }
        }

        if ((tests & NatTest.PrivateContact) != 0 && AnyContact(m, source, ContactTest.Private, cgn))
        {
            return true;
        }

        if ((tests & NatTest.PrivateSdp) != 0 && SdpHasPrivateAddress(m, cgn))
        {
            return true;
        }

        if ((tests & NatTest.PrivateVia) != 0 && m.GetTopVia(out via) == SipError.None && PrivateAddress.IsPrivate(m.Span(via.Host), cgn))
        {
            return true;
        }

        if ((tests & NatTest.DiffIpSrcContact) != 0 && AnyContact(m, source, ContactTest.DiffIp, cgn))
        {
            return true;
        }

        return (tests & NatTest.DiffPortSrcContact) != 0 && AnyContact(m, source, ContactTest.DiffPort, cgn);
    }

    private enum ContactTest
    {
        Private,
        DiffIp,
        DiffPort,
    }

    private static bool AnyContact(SipMessage m, in NetAddress source, ContactTest test, bool cgn)
    {
        NameAddrEnumerator e = m.NameAddrs(HeaderId.Contact);
        while (e.MoveNext())
        {
            ref readonly NameAddr na = ref e.Current;
            if (na.IsStar)
            {
                continue;
            }

            ReadOnlySpan<byte> text = m.Span(na.Uri);
            if (!SipUri.TryParse(text, out SipUri uri) || !uri.Host.IsPresent)
            {
                continue;
            }

            ReadOnlySpan<byte> host = text.Slice(uri.Host.Start, uri.Host.Length);
            switch (test)
            {
                case ContactTest.Private when PrivateAddress.IsPrivate(host, cgn):
                    return true;
                case ContactTest.DiffIp when !NetAddress.TryParse(host, source.Port, out NetAddress a) || !a.HostEquals(source):
                    return true;
                case ContactTest.DiffPort:
                    int port = uri.PortNumber != 0 ? uri.PortNumber
                        : DefaultPort(uri.Transport.IsPresent ? text.Slice(uri.Transport.Start, uri.Transport.Length) : default, uri.Scheme == UriScheme.Sips);
                    if (port != source.Port)
                    {
                        return true;
                    }

                    break;
            }
        }

        return false;
    }

    /// <summary>5061 for sips: or TLS, else 5060.</summary>
    private static int DefaultPort(ReadOnlySpan<byte> transport, bool sips) =>
        sips || SipText.EqualsIgnoreCase(transport, "tls"u8) ? 5061 : 5060;

    /// <summary>Any SDP <c>c=IN IP4 a.b.c.d</c> whose address is private (0.0.0.0 and IPv6 are not).</summary>
    private static bool SdpHasPrivateAddress(SipMessage m, bool cgn)
    {
        SdpLines lines = new(Sdp(m));
        while (lines.MoveNext())
        {
            if (lines.Type == (byte)'c' && SdpLines.TryConnectionAddress(lines.Value, out bool ip6, out TextRange address) && !ip6)
            {
                if (PrivateAddress.IsPrivate(lines.Value.Slice(address.Start, address.Length), cgn))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The message body when it is SDP (Content-Type application/sdp, or a body without Content-Type), else empty.</summary>
    internal static ReadOnlySpan<byte> Sdp(SipMessage m)
    {
        if (m.Body.Length == 0)
        {
            return default;
        }

        ReadOnlySpan<byte> type = m.HeaderValue(HeaderId.ContentType);
        int start = SipText.SkipLws(type, 0);
        type = type[start..];
        if (!type.IsEmpty && !(type.Length >= 15 && SipText.EqualsIgnoreCase(type[..15], "application/sdp"u8)))
        {
            return default;
        }

        return m.Span(m.Body);
    }

    /// <summary>is_rfc1918(ip): 1 when the (numeric) address is in the private table of nat_uac_test, else -1.</summary>
    private static int IsRfc1918(ScriptContext context, CallArguments a)
    {
        ReadOnlySpan<byte> ip = a.Bytes(context, 0);
        return PrivateAddress.IsPrivate(ip, carrierGradeNat: false) ? ScriptResult.True : ScriptResult.False;
    }
}
