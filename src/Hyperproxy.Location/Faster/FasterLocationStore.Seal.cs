using System.Globalization;
using FASTER.core;

namespace Hyperproxy.Location.Faster;

// The checkpoint seal: after every completed checkpoint, checkpoints/sealed records the log tail that checkpoint
// covers. FASTER recovers what it can read and says nothing of what it could not: a checkpoint whose files were
// damaged made it start with an empty table, and a log cut short made it recover a checkpoint with no records.
// With the seal, start-up refuses both, naming the folder, and the operator decides (restore it, or move it aside
// and start empty). Garbage inside the log's records is not detected here: FASTER reads them unchecked.
public sealed partial class FasterLocationStore
{
    private const string SealFile = "sealed";

    private string SealPath => Path.Combine(_dataDirectory, "checkpoints", SealFile);

    /// <summary>Records (atomically: a new file renamed over the old, both flushed) that the checkpoint just taken
    /// covers the log up to <paramref name="tail"/>.</summary>
    private void WriteSeal(long tail)
    {
        string path = SealPath;
        string next = path + ".next";
        using (var stream = new FileStream(next, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"tail {tail}\n")));
            stream.Flush(flushToDisk: true);
        }
        File.Move(next, path, overwrite: true);
    }

    private static long? ReadSeal(string dataDirectory)
    {
        string path = Path.Combine(dataDirectory, "checkpoints", SealFile);
        if (!File.Exists(path))
            return null; // a folder from before the seal, or one no checkpoint completed in
        string text = File.ReadAllText(path);
        if (!text.StartsWith("tail ", StringComparison.Ordinal)
            || !long.TryParse(text.AsSpan(5).TrimEnd(), NumberStyles.None, CultureInfo.InvariantCulture, out long tail))
            throw new InvalidDataException($"{path} is damaged (\"{text.Trim()}\")");
        return tail;
    }

    /// <summary>Before FASTER reads anything: the log segment that holds the sealed tail's last byte must reach it.</summary>
    private static void CheckSealedLog(string dataDirectory, long? sealedTail)
    {
        if (sealedTail is not long tail || tail <= 0)
            return;
        long last = tail - 1;
        long segment = last >> SegmentSizeBits;
        long needed = (last & ((1L << SegmentSizeBits) - 1)) + 1;
        string path = Path.Combine(dataDirectory, "kv", "hlog.log." + segment.ToString(CultureInfo.InvariantCulture));
        var file = new FileInfo(path);
        if (file.Exists && file.Length < needed)
        {
            throw new InvalidDataException($"the log is cut short: {path} holds {file.Length} bytes, the last checkpoint "
                + $"covers {needed}");
        }

        // Missing: compaction may have moved the log's start past it since (a later segment exists); none at all is a loss.
        if (!file.Exists && !Directory.EnumerateFiles(Path.Combine(dataDirectory, "kv"), "hlog.log.*").Any())
            throw new InvalidDataException($"the log is gone: no hlog.log.* in {Path.Combine(dataDirectory, "kv")}, the last "
                + $"checkpoint covers {tail} bytes of it");
    }

    /// <summary>After FASTER's recovery: a seal with no checkpoint recovered means the checkpoint could not be read.</summary>
    private void CheckRecoveredSeal(long? sealedTail)
    {
        if (sealedTail is not null && _kv.RecoveredCommitCookie is null)
            throw new InvalidDataException($"no checkpoint in {Path.Combine(_dataDirectory, "checkpoints")} could be read, "
                + "though one was completed there");
    }
}
