namespace Hyperproxy.Location.Redis;

/// <summary>
/// What one session last wrote of the AoRs it saved lately: the expected record of its next compare-and-set of that
/// AoR, so a re-registration this worker saw before goes out as the script alone, one round trip instead of two
/// (<c>GET</c> and script). Safe because only the compare-and-set relies on it: when another node (or worker) changed
/// the AoR meanwhile, or Redis let it expire, the script answers what is there now and the update runs again on that,
/// as for any lost race: a stale entry costs the round trip it meant to save. Lookups never read it (they must see other
/// nodes' writes). Direct-mapped by the AoR's hash, <see cref="Capacity"/> entries, a collision replaces; entries keep
/// their arrays, so once warm a save adds nothing here.
/// </summary>
internal sealed class RedisKnownRecords
{
    /// <summary>Entries per session: a worker's share of a refresh cycle's AoRs at carrier scale, a few tens of MB at most.</summary>
    public const int Capacity = 1 << 16;

    /// <summary>Records larger than this are not kept (they are rare, and would pin their size per entry).</summary>
    public const int MaxRecord = 4096;

    private readonly Entry?[] _entries = new Entry?[Capacity];

    private sealed class Entry
    {
        public byte[] Aor = new byte[64];
        public int AorLength;
        public byte[] Record = new byte[512];
        public int RecordLength;
        public bool Exists;
        public bool Valid;
    }

    /// <summary>The record last known for <paramref name="aor"/> (<paramref name="exists"/> false: known absent).</summary>
    public bool TryGet(ReadOnlySpan<byte> aor, out bool exists, out ReadOnlySpan<byte> record)
    {
        Entry? e = _entries[Slot(aor)];
        if (e is { Valid: true } && e.Aor.AsSpan(0, e.AorLength).SequenceEqual(aor))
        {
            exists = e.Exists;
            record = e.Record.AsSpan(0, e.RecordLength);
            return true;
        }

        exists = false;
        record = default;
        return false;
    }

    /// <summary>Redis now holds <paramref name="record"/> for <paramref name="aor"/> (or nothing, <paramref name="exists"/> false).</summary>
    public void Set(ReadOnlySpan<byte> aor, bool exists, ReadOnlySpan<byte> record)
    {
        int slot = Slot(aor);
        if (record.Length > MaxRecord)
        {
            Forget(aor);
            return;
        }

        Entry e = _entries[slot] ??= new Entry();
        if (e.Aor.Length < aor.Length)
        {
            e.Aor = new byte[aor.Length];
        }

        if (e.Record.Length < record.Length)
        {
            e.Record = new byte[Math.Max(record.Length, e.Record.Length * 2)];
        }

        aor.CopyTo(e.Aor);
        e.AorLength = aor.Length;
        record.CopyTo(e.Record);
        e.RecordLength = exists ? record.Length : 0;
        e.Exists = exists;
        e.Valid = true;
    }

    /// <summary>What Redis holds for <paramref name="aor"/> is not known (a write failed or timed out).</summary>
    public void Forget(ReadOnlySpan<byte> aor)
    {
        Entry? e = _entries[Slot(aor)];
        if (e is { Valid: true } && e.Aor.AsSpan(0, e.AorLength).SequenceEqual(aor))
        {
            e.Valid = false;
        }
    }

    private static int Slot(ReadOnlySpan<byte> aor)
    {
        var hash = default(HashCode);
        hash.AddBytes(aor);
        return hash.ToHashCode() & (Capacity - 1);
    }
}
