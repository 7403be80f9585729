using System.Globalization;
using System.Text;

namespace Hyperproxy.Sak.Bench;

/// <summary>
/// A request written once with fixed-width placeholders; each send copies the bytes into a
/// batch slot and patches the digits in place: the sequence number (16 hex digits in the Via
/// branch, which is how replies are matched), the CSeq (10 decimal digits) and the user number
/// (fixed-width decimal, in every place it occurs). Nothing here allocates per request.
/// </summary>
public sealed class RequestTemplate
{
    public const string BranchPrefix = "z9hG4bK-hs";
    public const int SeqDigits = 16;
    public const int CSeqDigits = 10;

    private const string SeqMark = "\u0001";
    private const string CSeqMark = "\u0002";
    private const string UserMark = "\u0003";

    private readonly byte[] _bytes;
    private readonly int[] _seqOffsets;
    private readonly int _cseqOffset;
    private readonly int[] _userOffsets;
    private readonly int _userDigits;

    private RequestTemplate(string text, int userDigits)
    {
        _userDigits = userDigits;
        var b = new StringBuilder();
        var users = new List<int>();
        var seqs = new List<int>();
        int cseq = -1;
        foreach (char c in text)
        {
            switch (c)
            {
                case '\u0001': seqs.Add(b.Length); b.Append('0', SeqDigits); break;
                case '\u0002': cseq = b.Length; b.Append('0', CSeqDigits); break;
                case '\u0003': users.Add(b.Length); b.Append('0', userDigits); break;
                default: b.Append(c); break;
            }
        }
        _bytes = Encoding.ASCII.GetBytes(b.ToString());
        _seqOffsets = [.. seqs];
        _cseqOffset = cseq;
        _userOffsets = [.. users];
    }

    public int Length => _bytes.Length;

    /// <summary>The template text (placeholders as zeros), for echoing and tests.</summary>
    public string Text => Encoding.ASCII.GetString(_bytes);

    /// <summary>Writes one request into <paramref name="slot"/>; returns its length.</summary>
    public int Write(Span<byte> slot, ulong seq, long cseq, long user)
    {
        _bytes.CopyTo(slot);
        Patch(slot, seq, cseq, user);
        return _bytes.Length;
    }

    /// <summary>Patches only the digits of a slot that already holds this template (see <see cref="Write"/>).</summary>
    public void Patch(Span<byte> slot, ulong seq, long cseq, long user)
    {
        for (int i = 0; i < _seqOffsets.Length; i++)
            WriteHex(slot.Slice(_seqOffsets[i], SeqDigits), seq);
        if (_cseqOffset >= 0)
            WriteDecimal(slot.Slice(_cseqOffset, CSeqDigits), cseq);
        for (int i = 0; i < _userOffsets.Length; i++)
            WriteDecimal(slot.Slice(_userOffsets[i], _userDigits), user);
    }

    /// <summary>OPTIONS to <paramref name="requestUri"/>; Via sent-by <paramref name="sentBy"/>.</summary>
    public static RequestTemplate Options(string requestUri, string sentBy, string callId, IReadOnlyList<string>? routes = null) =>
        new(
            "OPTIONS " + requestUri + " SIP/2.0\r\n" +
            "Via: SIP/2.0/UDP " + sentBy + ";branch=" + BranchPrefix + SeqMark + ";rport\r\n" +
            HeaderLines("Route", routes) +
            "From: <sip:hypersak@" + sentBy + ">;tag=hs" + callId.GetHashCode().ToString("x8", CultureInfo.InvariantCulture) + "\r\n" +
            "To: <" + requestUri + ">\r\n" +
            "Call-ID: " + callId + "\r\n" +
            "CSeq: " + CSeqMark + " OPTIONS\r\n" +
            "Max-Forwards: 70\r\n" +
            "User-Agent: hypersak bench\r\n" +
            "Content-Length: 0\r\n\r\n",
            1);

    /// <summary>
    /// REGISTER of user "u" + number at <paramref name="domain"/>: one stable Call-ID and Contact
    /// per AoR (so runs update the same binding), CSeq patched per request.
    /// </summary>
    public static RequestTemplate Register(string domain, string sentBy, string contactHost, int userDigits, int expires, IReadOnlyList<string> paths, IReadOnlyList<string>? routes = null)
    {
        var b = new StringBuilder();
        string aor = "sip:u" + UserMark + "@" + domain;
        b.Append("REGISTER sip:").Append(domain).Append(" SIP/2.0\r\n");
        b.Append("Via: SIP/2.0/UDP ").Append(sentBy).Append(";branch=").Append(BranchPrefix).Append(SeqMark).Append(";rport\r\n");
        b.Append(HeaderLines("Route", routes));
        b.Append("From: <").Append(aor).Append(">;tag=hs").Append(UserMark).Append("\r\n");
        b.Append("To: <").Append(aor).Append(">\r\n");
        b.Append("Call-ID: hsreg-").Append(UserMark).Append("@hypersak\r\n");
        b.Append("CSeq: ").Append(CSeqMark).Append(" REGISTER\r\n");
        b.Append("Max-Forwards: 70\r\n");
        b.Append("Contact: <sip:u").Append(UserMark).Append('@').Append(contactHost).Append(">\r\n");
        b.Append("Expires: ").Append(expires.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        if (paths.Count > 0)
        {
            b.Append("Supported: path\r\n");
            b.Append(HeaderLines("Path", paths));
        }
        b.Append("User-Agent: hypersak bench\r\nContent-Length: 0\r\n\r\n");
        return new RequestTemplate(b.ToString(), userDigits);
    }

    /// <summary>
    /// INVITE of one call (bench scenario call): to "u" + user number at <paramref name="calleeDomain"/>
    /// (the registrar's domain when the callees registered, else the callee socket's host:port), the
    /// sequence number in the Via branch, the From tag and the Call-ID, a small SDP offer.
    /// </summary>
    public static RequestTemplate Invite(string calleeDomain, string sentBy, string callIdSuffix, int userDigits, string sdp, IReadOnlyList<string>? routes = null)
    {
        var b = new StringBuilder();
        string to = "sip:u" + UserMark + "@" + calleeDomain;
        b.Append("INVITE ").Append(to).Append(" SIP/2.0\r\n");
        b.Append("Via: SIP/2.0/UDP ").Append(sentBy).Append(";branch=").Append(BranchPrefix).Append(SeqMark).Append(";rport\r\n");
        b.Append(HeaderLines("Route", routes));
        b.Append("From: <sip:hscaller@").Append(sentBy).Append(">;tag=hs").Append(SeqMark).Append("\r\n");
        b.Append("To: <").Append(to).Append(">\r\n");
        b.Append("Call-ID: hscall-").Append(SeqMark).Append('-').Append(callIdSuffix).Append("\r\n");
        b.Append("CSeq: 1 INVITE\r\n");
        b.Append("Contact: <sip:hscaller@").Append(sentBy).Append(">\r\n");
        b.Append("Max-Forwards: 70\r\n");
        b.Append("User-Agent: hypersak bench\r\n");
        b.Append("Content-Type: application/sdp\r\n");
        b.Append("Content-Length: ").Append(Encoding.ASCII.GetByteCount(sdp).ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
        b.Append(sdp);
        return new RequestTemplate(b.ToString(), userDigits);
    }

    /// <summary>One "Name: &lt;uri&gt;" line per value (angle brackets added when missing); "" for none.</summary>
    public static string HeaderLines(string name, IReadOnlyList<string>? values)
    {
        if (values == null || values.Count == 0)
            return "";
        var b = new StringBuilder();
        foreach (string v in values)
            b.Append(name).Append(": ").Append(v.StartsWith('<') ? v : "<" + v + ">").Append("\r\n");
        return b.ToString();
    }

    private static void WriteHex(Span<byte> dest, ulong value)
    {
        for (int i = dest.Length - 1; i >= 0; i--)
        {
            int nibble = (int)(value & 0xF);
            dest[i] = (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
            value >>= 4;
        }
    }

    private static void WriteDecimal(Span<byte> dest, long value)
    {
        for (int i = dest.Length - 1; i >= 0; i--)
        {
            dest[i] = (byte)('0' + (int)(value % 10));
            value /= 10;
        }
    }

    /// <summary>Reads the sequence number back from a reply's branch; false when it is not ours.</summary>
    public static bool TryReadSeq(ReadOnlySpan<byte> datagram, out ulong seq)
    {
        seq = 0;
        int at = datagram.IndexOf("branch=z9hG4bK-hs"u8);
        if (at < 0 || at + 17 + SeqDigits > datagram.Length)
            return false;
        ReadOnlySpan<byte> hex = datagram.Slice(at + 17, SeqDigits);
        ulong v = 0;
        for (int i = 0; i < hex.Length; i++)
        {
            int c = hex[i];
            int d = (uint)(c - '0') <= 9 ? c - '0' : (uint)(c - 'a') <= 5 ? c - 'a' + 10 : -1;
            if (d < 0)
                return false;
            v = (v << 4) | (uint)d;
        }
        seq = v;
        return true;
    }
}
