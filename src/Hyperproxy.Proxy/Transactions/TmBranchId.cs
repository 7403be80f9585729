namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// The Via branch tm writes on every branch it sends: <c>z9hG4bKtm</c> + 8 hex digits of this process's salt +
/// 2 of the owner worker + 6 of the transaction slot + 6 of the slot's generation + 1 of the branch index
/// (33 characters). A reply (or our own CANCEL/ACK's reply) names the worker that owns the transaction, the slot
/// and the branch without any lookup; the salt keeps branches unique across restarts (RFC 3261 §8.1.1.7) and a
/// stale generation matches nothing.
/// </summary>
public static class TmBranchId
{
    public const int Length = 9 + 8 + 2 + 6 + 6 + 1;

    private static ReadOnlySpan<byte> Prefix => "z9hG4bKtm"u8;

    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    /// <summary>This process's salt (random at start-up).</summary>
    public static readonly uint Salt = (uint)Random.Shared.Next() ^ (uint)Environment.TickCount;

    public static void Write(Span<byte> destination, int worker, int slot, int generation, int branch)
    {
        Prefix.CopyTo(destination);
        WriteHex(Salt, 8, destination[9..]);
        WriteHex((uint)worker, 2, destination[17..]);
        WriteHex((uint)slot, 6, destination[19..]);
        WriteHex((uint)generation & 0xFFFFFF, 6, destination[25..]);
        destination[31] = Hex[branch & 0xF];
    }

    /// <summary>Reads a branch we wrote; false for anything else (another salt, another shape).</summary>
    public static bool TryRead(ReadOnlySpan<byte> branch, out int worker, out int slot, out int generation, out int index)
    {
        worker = slot = generation = index = 0;
        if (branch.Length != Length)
        {
            return false;
        }

        if (!branch.StartsWith(Prefix) || !TryHex(branch.Slice(9, 8), out uint salt) || salt != Salt
            || !TryHex(branch.Slice(17, 2), out uint w) || !TryHex(branch.Slice(19, 6), out uint s)
            || !TryHex(branch.Slice(25, 6), out uint g) || !TryHex(branch.Slice(31, 1), out uint b))
        {
            return false;
        }

        worker = (int)w;
        slot = (int)s;
        generation = (int)g;
        index = (int)b;
        return true;
    }

    /// <summary>The owner worker of a branch we wrote (without checking the rest), or -1.</summary>
    public static int OwnerOf(ReadOnlySpan<byte> branch) =>
        TryRead(branch, out int worker, out _, out _, out _) ? worker : -1;

    private static void WriteHex(uint value, int digits, Span<byte> destination)
    {
        for (int i = digits - 1; i >= 0; i--)
        {
            destination[i] = Hex[(int)(value & 0xF)];
            value >>= 4;
        }
    }

    private static bool TryHex(ReadOnlySpan<byte> text, out uint value)
    {
        value = 0;
        foreach (byte c in text)
        {
            int d = c is >= (byte)'0' and <= (byte)'9' ? c - '0' : c is >= (byte)'a' and <= (byte)'f' ? c - 'a' + 10 : -1;
            if (d < 0)
            {
                return false;
            }

            value = (value << 4) | (uint)d;
        }

        return true;
    }
}
