using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Nathelper;

/// <summary>fix_nated_sdp(flags[, ip]) (spec §1.2): c= and o= rewritten, a= lines added, as body edits.</summary>
public sealed partial class NathelperModule
{
    /// <summary>
    /// Rewrites the SDP of the message: with <see cref="SdpFix.RewriteMediaIp"/> every <c>c=</c> address becomes
    /// <paramref name="ip"/> (the source IP when empty), with <see cref="SdpFix.RewriteOriginIp"/> the <c>o=</c>
    /// address too (null addresses only with <see cref="SdpFix.RewriteNullIps"/>); the old addresses are kept in
    /// <c>a=oldcip:</c>/<c>a=oldoip:</c> (unless <c>oldip_skip</c>), and <c>a=direction:active</c> and
    /// <c>nortpproxy_str</c> are added on request, all at the end of the session section (before the first m=).
    /// -1 when there is no SDP or nothing could be done.
    /// </summary>
    public int FixNatedSdp(ScriptContext context, SdpFix fixes, ReadOnlySpan<byte> ip)
    {
        SipMessage m = context.Message;
        ReadOnlySpan<byte> sdp = Sdp(m);
        if (sdp.IsEmpty)
        {
            return ScriptResult.False;
        }

        Span<byte> source = stackalloc byte[64];
        scoped ReadOnlySpan<byte> address = ip;
        if (address.IsEmpty)
        {
            if (!context.Source.TryFormatHost(source, out int n))
            {
                return ScriptResult.False;
            }

            address = source[..n];
            if (address.Length > 1 && address[0] == (byte)'[')
            {
                address = address[1..^1];
            }
        }

        bool newIp6 = address.IndexOf((byte)':') >= 0;
        Span<byte> replacement = stackalloc byte[80];
        var r = new LineWriter(replacement);
        r.Append(newIp6 ? "IP6 "u8 : "IP4 "u8);
        r.Append(address);
        if (r.Length < 0)
        {
            return ScriptResult.False;
        }

        int body = m.Body.Start;
        long mark = context.Edits.Mark;
        Span<byte> added = stackalloc byte[512];
        var a = new LineWriter(added);
        bool changed = false;
        bool oldC = false;
        bool oldO = false;
        int insertAt = -1;
        SipError error = SipError.None;
        var lines = new SdpLines(sdp);
        while (lines.MoveNext() && error == SipError.None)
        {
            if (lines.Type == (byte)'m' && insertAt < 0)
            {
                insertAt = body + lines.Start;
            }

            bool media = lines.Type == (byte)'c' && (fixes & SdpFix.RewriteMediaIp) != 0;
            bool origin = lines.Type == (byte)'o' && (fixes & SdpFix.RewriteOriginIp) != 0;
            if (!media && !origin)
            {
                continue;
            }

            ReadOnlySpan<byte> value = lines.Value;
            int netStart = origin ? SdpLines.OriginNetStart(value) : 0;
            if (netStart < 0 || !SdpLines.TryConnectionAddress(value[netStart..], out _, out TextRange range))
            {
                continue;
            }

            ReadOnlySpan<byte> old = value.Slice(netStart + range.Start, range.Length);
            if (IsNullAddress(old) && (fixes & SdpFix.RewriteNullIps) == 0)
            {
                continue;
            }

            // "IPx addr" (from the P of IP4 to the end of the address).
            int from = body + lines.ValueStart + netStart + 3;
            error = context.Edits.Replace(TextRange.FromBounds(from, body + lines.ValueStart + netStart + range.End), r.Written);
            changed = true;
            if (media && !oldC && !_oldIpSkipC)
            {
                a.Append("a=oldcip:"u8);
                a.Append(old);
                a.Append("\r\n"u8);
                oldC = true;
            }
            else if (origin && !oldO && !_oldIpSkipO)
            {
                a.Append("a=oldoip:"u8);
                a.Append(old);
                a.Append("\r\n"u8);
                oldO = true;
            }
        }

        if ((fixes & SdpFix.AddDirActive) != 0)
        {
            a.Append("a=direction:active\r\n"u8);
        }

        if ((fixes & SdpFix.AddNoRtpproxy) != 0)
        {
            a.Append(_noRtpproxy);
            a.Append("\r\n"u8);
        }

        if (error == SipError.None && a.Length > 0)
        {
            if (insertAt < 0)
            {
                insertAt = m.Body.End;
                if (sdp[^1] != (byte)'\n')
                {
                    error = context.Edits.Insert(insertAt, "\r\n"u8);
                }
            }

            if (error == SipError.None)
            {
                error = context.Edits.Insert(insertAt, a.Written);
            }
        }

        if (error != SipError.None || a.Length < 0)
        {
            context.Edits.Rewind(mark);
            return ScriptResult.False;
        }

        return changed || a.Length > 0 ? ScriptResult.True : ScriptResult.False;
    }

    private static bool IsNullAddress(ReadOnlySpan<byte> address) => address.SequenceEqual("0.0.0.0"u8) || address.SequenceEqual("::"u8);
}
