using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

public sealed partial class StatelessProxy
{
    /// <summary>Writes the edited message into the next free send slot, addressed to <paramref name="destination"/>.</summary>
    private bool TryWriteOut(in NetAddress destination, int outSocket, ref ProxyCounters c) => TryWriteOut(destination, outSocket, ref c, 0);

    /// <summary>
    /// The one output seam for a forwarded request or relayed reply: the edited message goes into the next send slot
    /// for <paramref name="outSocket"/>; on a stream socket <paramref name="connection"/> names the connection to use
    /// (0: the transport finds a live connection to <paramref name="destination"/> or opens one).
    /// </summary>
    private bool TryWriteOut(in NetAddress destination, int outSocket, ref ProxyCounters c, long connection)
    {
        if (!_outgoing.TryGetFreeSlot(out Span<byte> slot))
        {
            c.OutputFull++;
            return false;
        }

        int written = SipWriter.Write(_message, _edits, slot);
        if (written < 0)
        {
            c.OutputFull++;
            return false;
        }

        _outgoing.Commit(written, destination, outSocket, connection);
        if (_context.TraceId != 0)
            TraceOut(slot[..written], destination, outSocket);
        return true;
    }

    /// <summary>tracer: a message sent for a traced one (scope t), as it left, from the socket it left by.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void TraceOut(ReadOnlySpan<byte> bytes, in NetAddress destination, int socket) =>
        _context.Tracer?.Capture(_index, _context.TraceId - 1, outgoing: true, _identity.Bound(socket), destination, bytes);

    /// <summary>The first two comma-separated elements of a header list; returns how many there are (0, 1 or 2+ as 2).</summary>
    private int FirstTwo(HeaderId id, out HeaderValue first, out HeaderValue second)
    {
        first = default;
        second = default;
        int count = 0;
        foreach (HeaderValue hv in _message.Values(id))
        {
            if (count++ == 0)
            {
                first = hv;
            }
            else
            {
                second = hv;
                break;
            }
        }

        return count;
    }
}
