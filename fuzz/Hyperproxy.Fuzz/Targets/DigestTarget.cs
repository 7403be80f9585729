using System.Text;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Auth;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Fuzz.Targets;

/// <summary>
/// The digest credentials parser and the authorize path behind it. Input is the value of an Authorization header.
/// It is parsed on its own (<see cref="DigestHeader.TryParse"/>, <see cref="DigestAlgorithms.TryParse"/>), then sent
/// in a REGISTER through <c>www_authorize</c> / <c>db_is_to_authorized</c> / <c>save</c> (the pipeline target's
/// script). So that mutations reach past the nonce and response checks, two placeholders are filled in first:
/// <c>@N@</c> becomes a nonce just issued by the proxy for the credentials' algorithm, <c>@R@</c> the correct
/// response for the credentials as written (user's password <c>secret</c>).
/// </summary>
public sealed class DigestTarget : IFuzzTarget
{
    private const string Register = "REGISTER sip:secure.example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-d{0}\r\n"
        + "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@example.com>\r\nCall-ID: digest-fuzz@x\r\n"
        + "CSeq: {0} REGISTER\r\nContact: <sip:alice@127.0.0.9:40000>\r\n{1}Content-Length: 0\r\n\r\n";

    private readonly ProxyRig _rig = new(PipelineTarget.Script);
    private readonly SipMessage _reply = new();
    private readonly string[] _nonces = new string[DigestAlgorithms.Count];
    private long _sink;
    private int _cseq;

    public void Run(ReadOnlySpan<byte> input)
    {
        if (DigestHeader.TryParse(input, 0, out DigestHeader raw))
        {
            _sink += TouchDigest(input, raw);
        }

        byte[] value = input.ToArray();
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] is (byte)'\r' or (byte)'\n')
            {
                value[i] = (byte)' ';
            }
        }

        if (value.AsSpan().IndexOf("@N@"u8) >= 0 || value.AsSpan().IndexOf("@R@"u8) >= 0)
        {
            Challenge();
            value = FillIn(value);
        }

        _cseq++;
        string header = "Authorization: " + Encoding.Latin1.GetString(value) + "\r\n";
        _rig.Process(Encoding.Latin1.GetBytes(string.Format(System.Globalization.CultureInfo.InvariantCulture, Register, _cseq, header)));
    }

    public void Dispose() => _rig.Dispose();

    /// <summary>Reads back every range of <paramref name="d"/> (ranges relative to <paramref name="s"/>).</summary>
    public static long TouchDigest(ReadOnlySpan<byte> s, in DigestHeader d)
    {
        long n = Len(s, d.Scheme) + Len(s, d.Username) + Len(s, d.Realm) + Len(s, d.Nonce) + Len(s, d.Uri) + Len(s, d.Response)
            + Len(s, d.Qop) + Len(s, d.Nc) + Len(s, d.Cnonce) + Len(s, d.Opaque) + Len(s, d.Stale) + Len(s, d.Domain) + Len(s, d.Algorithm);
        if (DigestAlgorithms.TryParse(Part(s, d.Algorithm), out DigestAlgorithm a))
        {
            n += (int)a;
        }

        return n;
    }

    private static int Len(ReadOnlySpan<byte> s, TextRange r) => Part(s, r).Length;

    private static ReadOnlySpan<byte> Part(ReadOnlySpan<byte> s, TextRange r) => r.Start < 0 ? default : s.Slice(r.Start, r.Length);

    /// <summary>A REGISTER without credentials: the 401 carries one nonce per algorithm.</summary>
    private void Challenge()
    {
        _cseq++;
        _rig.Process(Encoding.ASCII.GetBytes(string.Format(System.Globalization.CultureInfo.InvariantCulture, Register, _cseq, string.Empty)));
        Array.Clear(_nonces);
        for (int i = 0; i < _rig.Outgoing.Count; i++)
        {
            byte[] reply = _rig.Outgoing.Payload(i).ToArray();
            if (_reply.Parse(reply, 0, reply.Length) != SipError.None)
            {
                continue;
            }

            for (int h = 0; h < _reply.HeaderCount; h++)
            {
                // the whole header value: a challenge's parameters are comma-separated, not list elements
                if (_reply.Header(h).Id != HeaderId.WwwAuthenticate)
                {
                    continue;
                }

                ReadOnlySpan<byte> text = _reply.Span(_reply.Header(h).Value);
                if (DigestHeader.TryParse(text, 0, out DigestHeader c) && c.Nonce.IsPresent)
                {
                    DigestAlgorithms.TryParse(Part(text, c.Algorithm), out DigestAlgorithm a);
                    _nonces[(int)a] = Encoding.ASCII.GetString(Part(text, c.Nonce));
                }
            }
        }
    }

    private byte[] FillIn(byte[] value)
    {
        DigestAlgorithm algorithm = DigestAlgorithm.Md5;
        if (DigestHeader.TryParse(value, 0, out DigestHeader d))
        {
            DigestAlgorithms.TryParse(Part(value, d.Algorithm), out algorithm);
        }

        string text = Encoding.Latin1.GetString(value).Replace("@N@", _nonces[(int)algorithm] ?? "none", StringComparison.Ordinal);
        value = Encoding.Latin1.GetBytes(text);
        if (!text.Contains("@R@", StringComparison.Ordinal) || !DigestHeader.TryParse(value, 0, out d))
        {
            return value;
        }

        int hexLength = DigestAlgorithms.HexLength(algorithm);
        Span<byte> ha1 = stackalloc byte[64];
        Span<byte> ha2 = stackalloc byte[64];
        Span<byte> response = stackalloc byte[64];
        Span<byte> bodyHash = stackalloc byte[64];
        ReadOnlySpan<byte> nonce = Part(value, d.Nonce), cnonce = Part(value, d.Cnonce), qop = Part(value, d.Qop);
        DigestCalculator.Ha1(algorithm, Part(value, d.Username), Part(value, d.Realm), Encoding.ASCII.GetBytes(ProxyRig.Password), ha1);
        if (DigestAlgorithms.IsSession(algorithm))
        {
            DigestCalculator.Ha1Session(algorithm, ha1[..hexLength], nonce, cnonce, ha1);
        }

        bool authInt = qop.SequenceEqual("auth-int"u8);
        if (authInt)
        {
            DigestCalculator.Hash(algorithm, default, bodyHash);
        }

        DigestCalculator.Ha2(algorithm, "REGISTER"u8, Part(value, d.Uri), authInt ? bodyHash[..hexLength] : default, ha2);
        DigestCalculator.Response(algorithm, ha1[..hexLength], nonce, Part(value, d.Nc), cnonce, qop, ha2[..hexLength], response);
        return Encoding.Latin1.GetBytes(text.Replace("@R@", Encoding.ASCII.GetString(response[..hexLength]), StringComparison.Ordinal));
    }

    internal long Sink => _sink;

    /// <summary>The status of the proxy's answer to the last input's REGISTER (200 when the credentials verified).</summary>
    public int LastStatus => _rig.FirstReplyStatus();
}
