namespace Hyperproxy.Modules.Auth;

/// <summary>
/// Replay tracking for the nonces one worker issues. Slot <c>sequence &amp; mask</c> holds
/// <c>(sequence &lt;&lt; 32) | highest nc accepted</c>; only the owning worker issues (plain store, no lock),
/// and any worker that receives the credentials advances the nc with one compare-and-swap, so a UA whose
/// retransmission or re-registration lands on another worker is checked against the same slot without a
/// lock. Memory is fixed: when the ring wraps, the oldest outstanding nonces turn stale early (the UA
/// gets <c>stale=true</c> and retries with a fresh one).
/// </summary>
internal sealed class NonceRing
{
    /// <summary>nc stored for a nonce used without qop (RFC 2069 style): nothing can follow it.</summary>
    public const uint Spent = uint.MaxValue;

    private readonly long[] _slots;
    private readonly int _mask;
    private uint _next;

    public NonceRing(byte id, int capacity)
    {
        Id = id;
        _slots = new long[capacity];
        _mask = capacity - 1;
    }

    public byte Id { get; }

    /// <summary>A fresh sequence number, its slot reset (owner's thread only).</summary>
    public uint Issue()
    {
        uint seq = ++_next;
        if (seq == 0)
        {
            seq = ++_next;
        }

        Volatile.Write(ref _slots[(int)(seq & (uint)_mask)], (long)seq << 32);
        return seq;
    }

    /// <summary>Whether <paramref name="nc"/> would be accepted now (no change).</summary>
    public bool CanUse(uint sequence, uint nc)
    {
        long slot = Volatile.Read(ref _slots[(int)(sequence & (uint)_mask)]);
        return (uint)((ulong)slot >> 32) == sequence && nc > (uint)slot;
    }

    /// <summary>Whether <paramref name="nc"/> is the last one recorded for the nonce (a parked request run again presents it once more).</summary>
    public bool IsLast(uint sequence, uint nc)
    {
        long slot = Volatile.Read(ref _slots[(int)(sequence & (uint)_mask)]);
        return (uint)((ulong)slot >> 32) == sequence && nc == (uint)slot;
    }

    /// <summary>Records <paramref name="nc"/> as used; false when the nonce was overwritten or nc is not above the last one.</summary>
    public bool TryUse(uint sequence, uint nc)
    {
        ref long slot = ref _slots[(int)(sequence & (uint)_mask)];
        for (int attempt = 0; attempt < 16; attempt++)
        {
            long seen = Volatile.Read(ref slot);
            if ((uint)((ulong)seen >> 32) != sequence || nc <= (uint)seen)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref slot, ((long)sequence << 32) | nc, seen) == seen)
            {
                return true;
            }
        }

        return false;
    }
}
