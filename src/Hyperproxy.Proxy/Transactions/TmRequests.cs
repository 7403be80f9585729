using Hyperproxy.Sip;

namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// The requests tm builds itself from a branch it sent (RFC 3261 §9.1 CANCEL, §17.1.1.3 ACK of a non-2xx):
/// <code>
/// METHOD &lt;the branch's Request-URI&gt; SIP/2.0
/// Via: the branch's top Via (ours, same branch id)
/// Route: the branch's Route lines
/// From, Call-ID: the branch's; To: the branch's (CANCEL) or the reply's, with its tag (ACK)
/// CSeq: &lt;the branch's number&gt; METHOD
/// Max-Forwards: 70
/// [Reason: ...]   (CANCEL)
/// Content-Length: 0
/// </code>
/// </summary>
public static class TmRequests
{
    /// <summary>Writes the request; bytes written or -1 when <paramref name="destination"/> is too small or the branch is unreadable.</summary>
    public static int Write(SipMessage branch, ReadOnlySpan<byte> method, SipMessage? reply, ReadOnlySpan<byte> reasonLine, Span<byte> destination)
    {
        int o = 0;
        if (!Put(method, destination, ref o) || !Put(" "u8, destination, ref o) || !Put(branch.Span(branch.RequestUri), destination, ref o)
            || !Put(" SIP/2.0\r\n"u8, destination, ref o))
        {
            return -1;
        }

        int via = branch.FindHeader(HeaderId.Via);
        if (via < 0 || !Put(branch.Span(branch.Header(via).Line), destination, ref o))
        {
            return -1;
        }

        for (int i = 0; i < branch.HeaderCount; i++)
        {
            ref readonly HeaderEntry h = ref branch.Header(i);
            if (h.Id == HeaderId.Route && !Put(branch.Span(h.Line), destination, ref o))
            {
                return -1;
            }
        }

        if (!CopyFirst(branch, HeaderId.From, destination, ref o) || !CopyFirst(reply ?? branch, HeaderId.To, destination, ref o)
            || !CopyFirst(branch, HeaderId.CallId, destination, ref o) || !Put("CSeq: "u8, destination, ref o))
        {
            return -1;
        }

        if (destination.Length - o < 11 || !System.Buffers.Text.Utf8Formatter.TryFormat(branch.CSeqNumber, destination[o..], out int digits))
        {
            return -1;
        }

        o += digits;
        if (!Put(" "u8, destination, ref o) || !Put(method, destination, ref o) || !Put("\r\nMax-Forwards: 70\r\n"u8, destination, ref o)
            || !Put(reasonLine, destination, ref o) || !Put("Content-Length: 0\r\n\r\n"u8, destination, ref o))
        {
            return -1;
        }

        return o;
    }

    private static bool CopyFirst(SipMessage m, HeaderId id, Span<byte> destination, ref int o)
    {
        int i = m.FindHeader(id);
        return i >= 0 && Put(m.Span(m.Header(i).Line), destination, ref o);
    }

    private static bool Put(ReadOnlySpan<byte> bytes, Span<byte> destination, ref int o)
    {
        if (!bytes.TryCopyTo(destination[o..]))
        {
            return false;
        }

        o += bytes.Length;
        return true;
    }
}
