using System.Globalization;

namespace Hyperproxy.Location.Wal;

/// <summary>
/// Start-up side of the WAL: reads every segment file of the directory (each up to its first torn or
/// zeroed frame, or the first not numbered above the one before it: the old frames of a recycled segment), and hands the entries numbered after the checkpoint's cookie to a callback in sequence
/// order — the order the changes were applied in, whichever session wrote them.
/// </summary>
internal sealed class WalRecovery
{
    private readonly List<Segment> _segments = [];

    private WalRecovery()
    {
    }

    /// <summary>The highest sequence number found in any valid frame (0 when none).</summary>
    public long LastSeq { get; private set; }

    /// <summary>The generation the next open must use: one past the highest found.</summary>
    public long NextGeneration { get; private set; } = 1;

    public static WalRecovery Read(string directory)
    {
        var recovery = new WalRecovery();
        if (!Directory.Exists(directory))
            return recovery;
        string[] files = Directory.GetFiles(directory, "*.wal");
        Array.Sort(files, StringComparer.Ordinal);
        foreach (string path in files)
        {
            string name = Path.GetFileName(path);
            int dash = name.IndexOf('-');
            if (dash > 0 && long.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out long generation))
                recovery.NextGeneration = Math.Max(recovery.NextGeneration, generation + 1);
            byte[] data = File.ReadAllBytes(path);
            var segment = new Segment(path, data);
            int offset = 0;
            long previous = 0;
            // A segment ends at its first frame that is cut short, fails its checksum or is zero, or is not numbered
            // above the one before it: a recycled segment (WalJournal.TryRecycle) keeps its old frames behind the new
            // ones, and every old one is numbered below every new one.
            while (WalFrame.TryRead(data.AsSpan(offset), out long seq, out ReadOnlySpan<byte> _, out int frameLength) && seq > previous)
            {
                previous = seq;
                segment.Frames.Add((seq, offset));
                segment.LastSeq = Math.Max(segment.LastSeq, seq);
                offset += frameLength;
            }
            recovery.LastSeq = Math.Max(recovery.LastSeq, segment.LastSeq);
            recovery._segments.Add(segment);
        }
        return recovery;
    }

    /// <summary>Calls <paramref name="apply"/> for each entry numbered above <paramref name="afterSeq"/>, in
    /// sequence order. Returns how many entries were applied.</summary>
    public long Replay(long afterSeq, EntryAction apply)
    {
        var order = new List<(long Seq, int Segment, int Offset)>();
        for (int s = 0; s < _segments.Count; s++)
        {
            foreach ((long seq, int offset) in _segments[s].Frames)
            {
                if (seq > afterSeq)
                    order.Add((seq, s, offset));
            }
        }
        order.Sort(static (a, b) => a.Seq.CompareTo(b.Seq));
        long applied = 0;
        foreach ((long _, int s, int offset) in order)
        {
            WalFrame.TryRead(_segments[s].Data.AsSpan(offset), out long _, out ReadOnlySpan<byte> payload, out int _);
            if (!WalEntry.TryRead(payload, out byte op, out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> record))
                continue;
            apply(op, key, record);
            applied++;
        }
        return applied;
    }

    /// <summary>Hands every segment read to <paramref name="journal"/>, which deletes it once a checkpoint
    /// covers its entries.</summary>
    public void HandOver(WalJournal journal)
    {
        foreach (Segment segment in _segments)
            journal.AdoptRecovered(segment.Path, segment.Data.Length, segment.LastSeq);
        _segments.Clear();
    }

    public delegate void EntryAction(byte op, ReadOnlySpan<byte> key, ReadOnlySpan<byte> record);

    private sealed class Segment(string path, byte[] data)
    {
        public string Path { get; } = path;
        public byte[] Data { get; } = data;
        public List<(long Seq, int Offset)> Frames { get; } = [];
        public long LastSeq { get; set; }
    }
}
