namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// INVITE transactions that relayed a 2xx, by dialog (Call-ID, CSeq number, From tag, To tag): what t_check_trans needs
/// to tell an end-to-end ACK of a 2xx (-2: it matches only dialog-wise; RFC 3261 §17.2.3 gives it a branch of its own)
/// from an unknown ACK (-1). An open-addressed array of (key, slot, generation), twice the table's capacity, probed at
/// most <see cref="Probes"/> times; an entry whose transaction is gone (slot freed or reused: its generation moved on) is
/// stale and taken by the next insert, so nothing is ever removed. Owned by one worker; no allocation after construction.
/// </summary>
public sealed class DialogIndex
{
    public const int Probes = 16;

    private readonly ulong[] _keys;
    private readonly int[] _slots;
    private readonly int[] _generations;
    private readonly int _mask;

    public DialogIndex(int transactions)
    {
        int size = 1024;
        while (size < transactions * 2)
        {
            size <<= 1;
        }

        _keys = new ulong[size];
        _slots = new int[size];
        _generations = new int[size];
        _mask = size - 1;
    }

    /// <summary>Notes <paramref name="t"/> under <paramref name="key"/> (never 0).</summary>
    public void Add(ulong key, Transaction t, TransactionTable table)
    {
        int first = (int)(key & (ulong)_mask);
        int pick = first;
        for (int p = 0; p < Probes; p++)
        {
            int i = (first + p) & _mask;
            if (_keys[i] == 0 || _keys[i] == key || table.Get(_slots[i], _generations[i] & 0xFFFFFF) is null)
            {
                pick = i;
                break;
            }
        }

        _keys[pick] = key;
        _slots[pick] = t.Index;
        _generations[pick] = t.Generation;
    }

    /// <summary>The live transaction noted under <paramref name="key"/>, or null.</summary>
    public Transaction? Find(ulong key, TransactionTable table)
    {
        int first = (int)(key & (ulong)_mask);
        for (int p = 0; p < Probes; p++)
        {
            int i = (first + p) & _mask;
            if (_keys[i] == 0)
            {
                return null;
            }

            if (_keys[i] == key && table.Get(_slots[i], _generations[i] & 0xFFFFFF) is { } t)
            {
                return t;
            }
        }

        return null;
    }
}
