namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// INVITE transactions that relayed a 2xx, by dialog (Call-ID, CSeq number, From tag, To tag): what t_check_trans needs
/// to tell an end-to-end ACK of a 2xx (-2: it matches only dialog-wise; RFC 3261 §17.2.3 gives it a branch of its own)
/// from an unknown ACK (-1). An open-addressed array of (key, slot, generation) entries, twice the table's capacity,
/// probed at most <see cref="Probes"/> times; an entry whose transaction is gone (slot freed or reused: its generation
/// moved on) is stale and taken by the next insert, so nothing is ever removed. One 16-byte entry per position (a probe
/// reads one cache line, not three arrays); an insert takes an empty or stale position, telling stale from live by
/// the table's compact slot-to-generation array (<see cref="TransactionTable.IsLive"/>) rather than by the transaction
/// object. Owned by one worker; no allocation after construction.
/// </summary>
public sealed class DialogIndex
{
    public const int Probes = 16;

    private struct Entry
    {
        public ulong Key;
        public int Slot;
        public int Generation;
    }

    private readonly Entry[] _entries;
    private readonly int _mask;

    public DialogIndex(int transactions)
    {
        int size = 1024;
        while (size < transactions * 2)
        {
            size <<= 1;
        }

        _entries = new Entry[size];
        _mask = size - 1;
    }

    /// <summary>Notes <paramref name="t"/> under <paramref name="key"/> (never 0).</summary>
    public void Add(ulong key, Transaction t, TransactionTable table)
    {
        Entry[] entries = _entries;
        int first = (int)(key & (ulong)_mask);
        int pick = first;
        for (int p = 0; p < Probes; p++)
        {
            int i = (first + p) & _mask;
            ref Entry e = ref entries[i];
            if (e.Key == 0 || e.Key == key || !table.IsLive(e.Slot, e.Generation))
            {
                pick = i;
                break;
            }
        }

        ref Entry chosen = ref entries[pick];
        chosen.Key = key;
        chosen.Slot = t.Index;
        chosen.Generation = t.Generation;
    }

    /// <summary>The live transaction noted under <paramref name="key"/>, or null.</summary>
    public Transaction? Find(ulong key, TransactionTable table)
    {
        Entry[] entries = _entries;
        int first = (int)(key & (ulong)_mask);
        for (int p = 0; p < Probes; p++)
        {
            ref Entry e = ref entries[(first + p) & _mask];
            if (e.Key == 0)
            {
                return null;
            }

            if (e.Key == key && table.Get(e.Slot, e.Generation & 0xFFFFFF) is { } t)
            {
                return t;
            }
        }

        return null;
    }
}
