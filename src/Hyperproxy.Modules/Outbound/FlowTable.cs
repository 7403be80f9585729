using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Outbound;

/// <summary>
/// When each UDP flow (socket, remote address) last sent us anything (SIP or a STUN keep-alive): one slot per
/// flow hash, written by whichever worker receives the flow's datagrams (the kernel keeps a flow on one worker)
/// and read by the worker routing a request into the flow. A slot holds the time and a fingerprint of its flow;
/// a slot taken over by another flow says "unknown", which counts as alive. No locks, no allocation.
/// </summary>
public sealed class FlowTable
{
    private readonly long[] _slots;
    private readonly int _mask;

    public FlowTable(int bits = 18)
    {
        _slots = new long[1 << bits];
        _mask = (1 << bits) - 1;
    }

    /// <summary>A datagram from <paramref name="source"/> arrived on <paramref name="socket"/> at <paramref name="nowMs"/>.</summary>
    public void Touch(in NetAddress source, int socket, long nowMs)
    {
        ulong h = Hash(source, socket);
        Volatile.Write(ref _slots[(int)h & _mask], (nowMs << 16) | (long)(h >> 48));
    }

    /// <summary>Milliseconds since the flow last sent anything; -1 when the table does not know (never seen, or its slot reused).</summary>
    public long IdleMs(in NetAddress source, int socket, long nowMs)
    {
        ulong h = Hash(source, socket);
        long v = Volatile.Read(ref _slots[(int)h & _mask]);
        if (v == 0 || (ulong)(v & 0xFFFF) != (h >> 48))
        {
            return -1;
        }

        return nowMs - (v >> 16);
    }

    private static ulong Hash(in NetAddress a, int socket)
    {
        Span<byte> bytes = stackalloc byte[16];
        int n = a.CopyAddressBytes(bytes);
        ulong h = 14695981039346656037UL ^ (ulong)socket;
        for (int i = 0; i < n; i++)
        {
            h = (h ^ bytes[i]) * 1099511628211UL;
        }

        h = (h ^ (ulong)a.Port) * 1099511628211UL;
        return h ^ (h >> 29);
    }
}
