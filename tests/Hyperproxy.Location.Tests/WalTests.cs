using System.Text;
using Hyperproxy.Location.Faster;
using Hyperproxy.Location.Wal;

namespace Hyperproxy.Location.Tests;

/// <summary>
/// The write-ahead log of sync mode: frames and their checksum, one writer per session merged by sequence
/// number on replay, group commit on the calling thread, torn tails and failing disks.
/// </summary>
public class WalTests
{
    private const long Now = 1_000;

    private static CommitTicket Save(ILocationSession session, int aor, string contact)
    {
        Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, aor, contact, Now + 3600, Now, out CommitTicket ticket));
        return ticket;
    }

    [Fact]
    public void Crc32CGivesTheCheckValueAndTheInstructionsAgreeWithTheTable()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        var random = new Random(7);
        for (int length = 0; length < 200; length++)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(~Crc32C.AppendScalar(~0u, data), Crc32C.Compute(data));
        }
    }

    [Fact]
    public void AFrameCutAtAnyOffsetEndsTheSegmentJustBeforeIt()
    {
        byte[] segment = new byte[3 * (WalFrame.HeaderSize + 10)];
        for (int i = 0; i < 3; i++)
        {
            Span<byte> frame = segment.AsSpan(i * (WalFrame.HeaderSize + 10), WalFrame.HeaderSize + 10);
            frame.Slice(WalFrame.HeaderSize).Fill((byte)('a' + i));
            WalFrame.Seal(frame, 10, 100 + i);
        }
        Assert.Equal(3, CountFrames(segment));
        int lastStart = 2 * (WalFrame.HeaderSize + 10);
        for (int cut = lastStart; cut < segment.Length; cut++)
            Assert.Equal(2, CountFrames(segment.AsSpan(0, cut)));
        for (int flip = lastStart; flip < segment.Length; flip++)
        {
            byte[] corrupt = (byte[])segment.Clone();
            corrupt[flip] ^= 0x20;
            Assert.Equal(2, CountFrames(corrupt));
        }
        Assert.Equal(0, CountFrames(new byte[64])); // the zeroed rest of a segment
    }

    private static int CountFrames(ReadOnlySpan<byte> data)
    {
        int frames = 0;
        while (WalFrame.TryRead(data, out long _, out ReadOnlySpan<byte> _, out int length))
        {
            frames++;
            data = data.Slice(length);
        }
        return frames;
    }

    [Fact]
    public void ReplayAppliesTheChangesOfEverySessionInTheOrderTheyWereMade()
    {
        using var dir = new TempDirectory();
        using (FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path))
        {
            using ILocationSession first = store.NewSession();
            using ILocationSession second = store.NewSession();
            // Each session has its own segment; the record's history alternates between them.
            Assert.True(store.Commit(Save(first, 1, "sip:a@192.0.2.1")));
            Assert.True(store.Commit(Save(second, 1, "sip:b@192.0.2.1")));
            Assert.True(store.Commit(Save(first, 1, "sip:c@192.0.2.1")));
            Assert.True(store.Commit(Save(second, 2, "sip:x@192.0.2.1")));
            Assert.Equal(2, Directory.GetFiles(Path.Combine(dir.Path, FasterLocationStore.WalFolder), "*.wal").Length);
            store.Close(finalCheckpoint: false);
        }

        using (FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path))
        {
            Assert.Equal(4, store.Recovery.WalEntriesReplayed);
            using ILocationSession session = store.NewSession();
            // Replayed segment by segment, the second session's {a, b} would have come last.
            Assert.Equal(["sip:a@192.0.2.1", "sip:b@192.0.2.1", "sip:c@192.0.2.1"],
                TestSupport.Contacts(TestSupport.ReadRecord(session, TestSupport.Aor(1)), Now));
            Assert.Single(TestSupport.Contacts(TestSupport.ReadRecord(session, TestSupport.Aor(2)), Now));
        }
    }

    [Fact]
    public void ACrashLosesOnlyWhatWasNeverSyncedAndATornFrameEndsTheReplayThere()
    {
        using var dir = new TempDirectory();
        using (FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path))
        {
            using ILocationSession session = store.NewSession();
            CommitTicket synced = default;
            for (int i = 0; i < 10; i++)
                synced = Save(session, i, "sip:ua@192.0.2.1");
            Assert.True(store.Commit(synced));
            CommitTicket buffered = default;
            for (int i = 10; i < 15; i++)
                buffered = Save(session, i, "sip:ua@192.0.2.1");
            Assert.False(store.IsCommitted(buffered));
            store.Close(finalCheckpoint: false);
        }

        using (FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path))
        {
            Assert.Equal(10, store.Recovery.WalEntriesReplayed);
            using ILocationSession session = store.NewSession();
            Assert.NotNull(TestSupport.ReadRecord(session, TestSupport.Aor(9)));
            Assert.Null(TestSupport.ReadRecord(session, TestSupport.Aor(10)));
            store.Close(finalCheckpoint: false);
        }

        // Cut the first generation's segment in the middle of its last frame: that entry is gone, the rest stay.
        string segment = Directory.GetFiles(Path.Combine(dir.Path, FasterLocationStore.WalFolder), "*.wal").Order(StringComparer.Ordinal).First();
        using (var file = new FileStream(segment, FileMode.Open))
            file.SetLength(file.Length - 5);
        Directory.Delete(Path.Combine(dir.Path, "checkpoints"), recursive: true);
        Directory.Delete(Path.Combine(dir.Path, "kv"), recursive: true);
        using (FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path))
        {
            Assert.Equal(9, store.Recovery.WalEntriesReplayed);
            using ILocationSession session = store.NewSession();
            Assert.NotNull(TestSupport.ReadRecord(session, TestSupport.Aor(8)));
            Assert.Null(TestSupport.ReadRecord(session, TestSupport.Aor(9)));
        }
    }

    [Fact]
    public void ReleasingParkedRepliesCommitsTheWholeBatchWithOneSyncOnTheCallingThread()
    {
        using var dir = new TempDirectory();
        using FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path);
        using ILocationSession session = store.NewSession();
        var acks = new PendingAcks<int>(128, 128 * 64);
        for (int i = 0; i < 64; i++)
            Assert.True(acks.TryPark(Save(session, i, "sip:ua@192.0.2.1"), Encoding.ASCII.GetBytes("200 " + i), i));
        Assert.Equal(0, store.GetStats().WalCommits);

        var released = new Counter();
        Assert.Equal(64, acks.Release(store, ref released));
        Assert.Equal(64, released.Count);
        Assert.Equal(0, acks.Count);
        Assert.Equal(1, store.GetStats().WalCommits);
        Assert.Equal(64, acks.WaitLatency.Count);
    }

    private struct Counter : IPendingAckHandler<int>
    {
        public int Count;

        public bool Release(ReadOnlySpan<byte> reply, in int meta)
        {
            Count++;
            return true;
        }
    }

    [Fact]
    public void AWalThatCannotBeWrittenNeverAcknowledges()
    {
        using var dir = new TempDirectory();
        using FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path);
        using ILocationSession session = store.NewSession();
        // The writer opens its segment on its first flush: take its folder away before that.
        Directory.Delete(Path.Combine(dir.Path, FasterLocationStore.WalFolder), recursive: true);
        CommitTicket ticket = Save(session, 1, "sip:ua@192.0.2.1");
        Assert.False(store.Commit(ticket));
        Assert.False(store.IsCommitted(ticket));
        var acks = new PendingAcks<int>(4, 64);
        Assert.True(acks.TryPark(ticket, "200"u8, 1));
        var released = new Counter();
        Assert.Equal(0, acks.Release(store, ref released));
        Assert.Equal(1, store.GetStats().WalFailures);
    }

    [Fact]
    public void TheHybridLogFlushMarkFollowsFastersFlushes()
    {
        // The WAL statistics' split needs FASTER's flushed-until address, read through its allocator: a FASTER that
        // laid it out otherwise would leave hybrid-log flushes out of the split without a word.
        using var dir = new TempDirectory();
        using FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path);
        WalJournal journal = store.Wal!;
        Assert.NotNull(journal.LogFlushMarkSource);
        long before = journal.LogFlushMark;
        using (ILocationSession session = store.NewSession())
        {
            for (int i = 0; i < 100; i++)
                Save(session, i, "sip:ua@192.0.2.1");
        }
        Assert.True(store.CheckpointNow());
        long after = journal.LogFlushMark;
        Assert.True(after / 2 > before / 2, $"flushed-until {before / 2} then {after / 2}");
        Assert.False(WalJournal.Overlapped(after, journal.LogFlushMark)); // settled: nothing in flight
    }

    [Fact]
    public void HistogramPercentilesAreWithinThreePercent()
    {
        var histogram = new LatencyHistogram();
        for (int i = 1; i <= 10_000; i++)
            histogram.Record(i);
        Assert.Equal(10_000, histogram.Count);
        Assert.Equal(10_000, histogram.Max);
        Assert.InRange(histogram.Percentile(50), 5_000, 5_150);
        Assert.InRange(histogram.Percentile(99), 9_900, 10_000);
        Assert.InRange(histogram.Percentile(0.01), 1, 1);
        for (long v = 0; v < 1L << 27; v = v * 3 / 2 + 1)
        {
            int index = LatencyHistogram.Index(v);
            Assert.True(LatencyHistogram.UpperBound(index) >= v || index == LatencyHistogram.BucketCount - 1, $"{v} above its bucket");
            Assert.True(index == 0 || LatencyHistogram.UpperBound(index - 1) < v, $"{v} below its bucket");
        }
    }
}
