using System.Text;
using Hyperproxy.Location.Faster;
using Hyperproxy.Location.Records;
using Hyperproxy.Location.Wal;
using Hyperproxy.Testing;

namespace Hyperproxy.Location.Tests;

/// <summary>
/// Pipelined commits (a worker's <see cref="ICommitQueue"/> on io_uring): syncs overlap with the next requests,
/// but a ticket is committed only once its own sync and every one submitted before it have finished, a failed
/// sync acknowledges nothing of its batch or any later one, and segments after a writer's first are preallocated.
/// </summary>
public class WalPipelineTests
{
    private const long Now = 1_000;
    private static readonly byte[] s_contact = Encoding.ASCII.GetBytes("sip:ua@192.0.2.1:5060");

    private static CommitTicket Save(ILocationSession session, int aor, string contact = "sip:ua@192.0.2.1")
    {
        Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, aor, contact, Now + 3600, Now, out CommitTicket ticket));
        return ticket;
    }

    private static (WalJournal Journal, WalCommitQueue Queue) Pipeline(FasterLocationStore store)
    {
        WalJournal journal = store.Wal!;
        ICommitQueue? queue = store.NewCommitQueue();
        Assert.True(queue is not null, "io_uring is not available here: " + IoUring.LastError);
        return (journal, (WalCommitQueue)queue);
    }

    [Fact]
    public void ALaterSyncThatFinishesFirstReleasesNothingUntilTheEarlierOneHas()
    {
        using var dir = new TempDirectory();
        using FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path);
        using ILocationSession session = store.NewSession();
        (WalJournal journal, WalCommitQueue queue) = Pipeline(store);
        using (queue)
        {
            CommitTicket first = Save(session, 1);
            queue.Track(first);
            Assert.True(queue.Start());
            CommitTicket second = Save(session, 2);
            Assert.True(queue.HasUnstarted);
            Assert.True(queue.Start());
            Assert.False(queue.HasUnstarted);
            WalWriter writer = journal.WriterOf(first)!;
            Assert.Equal(2, writer.InFlight);
            // A third batch waits: two syncs per writer at most.
            CommitTicket third = Save(session, 3);
            Assert.True(queue.Start());
            Assert.True(queue.HasUnstarted);

            var acks = new PendingAcks<int>(8, 256) { Pipelined = true };
            Assert.True(acks.TryPark(first, "200 first"u8, 1));
            Assert.True(acks.TryPark(second, "200 second"u8, 2));
            var released = new Recorder { Seen = [] };

            // The kernel's completions are not reaped here: the test says in which order the syncs finish.
            writer.OnSyncCompleted(2, 0);
            Assert.False(store.IsCommitted(second));
            Assert.False(store.IsCommitted(first));
            Assert.Equal(0, acks.Release(store, ref released, commit: false));

            writer.OnSyncCompleted(1, 0);
            Assert.True(store.IsCommitted(first));
            Assert.True(store.IsCommitted(second));
            Assert.False(store.IsCommitted(third));
            Assert.Equal(2, acks.Release(store, ref released, commit: false));
            Assert.Equal([1, 2], released.Order);

            // The real completions of syncs 1 and 2 arrive later and change nothing; the third batch starts then.
            queue.Drain();
            Assert.True(store.IsCommitted(third));
            Assert.Equal(0, store.GetStats().WalFailures);
        }
    }

    [Fact]
    public void AFailedSyncAcknowledgesNeitherItsBatchNorAnyLaterOne()
    {
        using var dir = new TempDirectory();
        using FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path);
        using ILocationSession session = store.NewSession();
        (WalJournal journal, WalCommitQueue queue) = Pipeline(store);
        using (queue)
        {
            CommitTicket first = Save(session, 1);
            queue.Track(first);
            Assert.True(queue.Start());
            CommitTicket second = Save(session, 2);
            Assert.True(queue.Start());
            WalWriter writer = journal.WriterOf(first)!;

            writer.OnSyncCompleted(1, -5); // EIO
            writer.OnSyncCompleted(2, 0);
            Assert.False(store.IsCommitted(first));
            Assert.False(store.IsCommitted(second));
            Assert.Equal(1, store.GetStats().WalFailures);

            // Nothing later commits either, pipelined or synchronously, and no parked reply leaves.
            CommitTicket third = Save(session, 3);
            Assert.False(queue.Start());
            queue.Drain();
            Assert.False(store.IsCommitted(third));
            Assert.False(store.Commit(third));
            var acks = new PendingAcks<int>(8, 256) { Pipelined = true };
            Assert.True(acks.TryPark(first, "200"u8, 1));
            Assert.True(acks.TryPark(third, "200"u8, 3));
            var released = new Recorder();
            Assert.Equal(0, acks.Release(store, ref released, commit: true));
        }
    }

    [Fact]
    public void APipelinedCommitIsOnDiskOnceItsCompletionIsReapedAndSurvivesACrash()
    {
        using var dir = new TempDirectory();
        CommitTicket last = default;
        using (FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path))
        {
            using ILocationSession session = store.NewSession();
            (WalJournal _, WalCommitQueue queue) = Pipeline(store);
            using (queue)
            {
                for (int batch = 0; batch < 20; batch++)
                {
                    for (int i = 0; i < 10; i++)
                    {
                        last = Save(session, batch * 10 + i);
                        queue.Track(last);
                    }
                    Assert.True(queue.Start());
                    if (batch % 3 == 0)
                        queue.Complete();
                }
                queue.Drain();
                Assert.Equal(0, queue.InFlight);
                Assert.True(store.IsCommitted(last));
                Assert.True(store.GetStats().WalCommits is >= 2 and <= 20);
            }
            store.Close(finalCheckpoint: false);
        }

        using (FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path))
        {
            Assert.Equal(200, store.Recovery.WalEntriesReplayed);
            using ILocationSession session = store.NewSession();
            Assert.NotNull(TestSupport.ReadRecord(session, TestSupport.Aor(199)));
        }
    }

    [Fact]
    public void ASynchronousCommitWhileSyncsAreInFlightCoversThemAndTheirLateCompletionsChangeNothing()
    {
        using var dir = new TempDirectory();
        using FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path);
        using ILocationSession session = store.NewSession();
        (WalJournal journal, WalCommitQueue queue) = Pipeline(store);
        using (queue)
        {
            CommitTicket first = Save(session, 1);
            queue.Track(first);
            Assert.True(queue.Start());
            CommitTicket second = Save(session, 2);
            // Another thread's store-wide commit (a retransmission's ticket, shutdown): syncs what is in flight too.
            Assert.True(store.Commit(store.TicketFor(UpdateStatus.Unchanged, null, 0)));
            Assert.True(store.IsCommitted(first));
            Assert.True(store.IsCommitted(second));
            Assert.Equal(long.MaxValue, journal.WriterOf(first)!.FirstPendingSeq);
            queue.Drain();
            Assert.True(store.IsCommitted(second));
            Assert.Equal(0, store.GetStats().WalFailures);
        }
    }

    [Fact]
    public void SegmentsAfterTheFirstArePreallocatedAndReplayReadsThemUpToTheirZeroedRest()
    {
        using var dir = new TempDirectory();
        string folder = Path.Combine(dir.Path, FasterLocationStore.WalFolder);
        int saved = 0;
        using (FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path, walSegmentBytes: 64 * 1024))
        {
            using ILocationSession session = store.NewSession();
            WalJournal journal = store.Wal!;
            string padding = new('x', 900);
            // Fill the first segment, then wait for the preallocator's spare (bounded), then fill the next ones.
            for (int segment = 0; segment < 3; segment++)
            {
                for (int i = 0; i < 80; i++)
                    Assert.True(store.Commit(Save(session, saved++, "sip:" + padding + "@192.0.2.1")));
                Assert.True(SpinWait.SpinUntil(() => Directory.GetFiles(folder, "*.spare").Length > 0, TimeSpan.FromSeconds(30)),
                    "no segment was preallocated");
            }
            Assert.True(journal.SpareCounts.Taken >= 1, $"taken {journal.SpareCounts}");
            long preallocated = Directory.GetFiles(folder, "*.wal").Max(f => new FileInfo(f).Length);
            Assert.Equal(journal.PreallocateBytes, preallocated);
            store.Close(finalCheckpoint: false);
        }

        Assert.Empty(Directory.GetFiles(folder, "*.spare"));
        using (FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path, walSegmentBytes: 64 * 1024))
        {
            Assert.Equal(saved, store.Recovery.WalEntriesReplayed);
            using ILocationSession session = store.NewSession();
            Assert.NotNull(TestSupport.ReadRecord(session, TestSupport.Aor(saved - 1)));
        }
    }

    private static byte[] Frames(long firstSeq, int count, int payloadBytes, byte fill)
    {
        int frameBytes = WalFrame.HeaderSize + WalEntry.HeaderSize + 8 + payloadBytes;
        byte[] data = new byte[count * frameBytes];
        for (int i = 0; i < count; i++)
        {
            Span<byte> frame = data.AsSpan(i * frameBytes, frameBytes);
            byte[] record = new byte[payloadBytes];
            Array.Fill(record, fill);
            int payload = WalEntry.Write(frame.Slice(WalFrame.HeaderSize), 1, Encoding.ASCII.GetBytes("key" + (i % 10).ToString("D5")), record);
            WalFrame.Seal(frame, payload, firstSeq + i);
        }
        return data;
    }

    [Fact]
    public void TheOldFramesBehindTheNewOnesOfARecycledSegmentAreNotRead()
    {
        // A segment recycled as a spare keeps its old frames (numbered 1..40); a writer overwrites its start with new
        // ones (100..104, shorter frames, so the next old frame is whole right behind them). Recovery reads the new
        // frames only, even with no checkpoint to filter the old ones by its cookie.
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "000001-0000-000002.wal");
        byte[] old = Frames(1, 40, 300, (byte)'o');
        byte[] fresh = Frames(100, 5, 300, (byte)'n');
        Assert.True(fresh.Length < old.Length);
        fresh.CopyTo(old, 0);
        File.WriteAllBytes(path, old);

        WalRecovery recovery = WalRecovery.Read(dir.Path);
        var seen = new List<byte>();
        Assert.Equal(5, recovery.Replay(0, (op, key, record) => seen.Add(record[0])));
        Assert.All(seen, b => Assert.Equal((byte)'n', b));
        Assert.Equal(104, recovery.LastSeq);

        // Nothing new written yet (a crash right after the rename): the old frames read, all at or below any cookie
        // of the checkpoint that covered them, and none is replayed after it.
        File.WriteAllBytes(path, Frames(1, 40, 300, (byte)'o'));
        Assert.Equal(0, WalRecovery.Read(dir.Path).Replay(40, (op, key, record) => { }));
    }

    private static long ExpiresOf(ILocationSession session, int aor)
    {
        byte[]? record = TestSupport.ReadRecord(session, TestSupport.Aor(aor));
        Assert.NotNull(record);
        Assert.Equal(RecordError.None, LocationRecord.TryOpen(record, out LocationRecordReader reader));
        foreach (ContactView c in reader.GetContacts(Now))
            return c.Expires;
        return 0;
    }

    [Fact]
    public void SegmentsACheckpointCoveredAreRecycledAndAStoreThatCrashesWritingIntoThemRecoversEveryAcknowledgedChange()
    {
        using var dir = new TempDirectory();
        string folder = Path.Combine(dir.Path, FasterLocationStore.WalFolder);
        string contact = "sip:" + new string('x', 900) + "@192.0.2.1";
        const int aors = 60;
        int round;
        using (FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path, walSegmentBytes: 64 * 1024))
        {
            using ILocationSession session = store.NewSession();
            WalJournal journal = store.Wal!;
            // Rounds of saves over the same AoRs (each round its own expiry), about one segment per round, a checkpoint
            // after each: from the second on, a checkpoint covers the segments of the round before the last, which
            // become spares instead of being deleted, and later rounds open their segments on them.
            for (round = 0; round < 8; round++)
            {
                for (int i = 0; i < aors; i++)
                {
                    Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, i, contact, Now + 3600 + round, Now, out CommitTicket ticket));
                    Assert.True(store.Commit(ticket));
                }
                Assert.True(store.CheckpointNow());
            }
            Assert.True(journal.SparesRecycled >= 2, $"recycled {journal.SparesRecycled}, spares {journal.SpareCounts}");
            // One more round, cut in the middle: half of it synced, the next save never.
            for (int i = 0; i < aors / 2; i++)
            {
                Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, i, contact, Now + 3600 + round, Now, out CommitTicket ticket));
                Assert.True(store.Commit(ticket));
            }
            TestSupport.Save(session, aors / 2, contact, Now + 3600 + round, Now, out CommitTicket _);
            Assert.Equal(journal.PreallocateBytes, Directory.GetFiles(folder, "*.wal").Max(f => new FileInfo(f).Length));
            store.Close(finalCheckpoint: false);
        }

        using (FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path, walSegmentBytes: 64 * 1024))
        {
            Assert.Equal(aors / 2, store.Recovery.WalEntriesReplayed);
            using ILocationSession session = store.NewSession();
            for (int i = 0; i < aors; i++)
                Assert.Equal(Now + 3600 + (i < aors / 2 ? round : round - 1), ExpiresOf(session, i));
        }
    }

    [Fact]
    public void APipelinedSaveAllocatesNothingInSteadyState()
    {
        using var dir = new TempDirectory();
        using FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path);
        using FasterLocationSession session = store.NewFasterSession();
        (WalJournal _, WalCommitQueue queue) = Pipeline(store);
        using (queue)
        {
            byte[][] aors = new byte[64][];
            for (int i = 0; i < aors.Length; i++)
                aors[i] = TestSupport.Aor(i);
            var acks = new PendingAcks<int>(256, 256 * 64) { Pipelined = true };
            byte[] reply = Encoding.ASCII.GetBytes("SIP/2.0 200 OK");
            long released = 0;

            void Round(int batches)
            {
                for (int b = 0; b < batches; b++)
                {
                    for (int i = 0; i < 16; i++)
                    {
                        var updater = new BindingUpdater { Contact = s_contact, Expires = Now + 3600, Now = Now };
                        session.Update(aors[(b * 16 + i) % aors.Length], ref updater, out CommitTicket ticket);
                        queue.Track(ticket);
                        if (!acks.TryPark(ticket, reply, i))
                            throw new InvalidOperationException("parking ring full");
                    }
                    queue.Start();
                    var counter = new Recorder();
                    // Reap and release as a worker does between its turns (bounded; each sync is well under a second).
                    for (int spin = 0; spin < 5_000_000 && acks.Count > 0; spin++)
                    {
                        queue.Complete();
                        released += acks.Release(store, ref counter, commit: false);
                    }
                }
            }

            Round(50);
            long allocated = Allocations.Least(() => Round(100));
            Assert.Equal(0, acks.Count);
            Assert.True(released >= 150 * 16, $"released {released}");
            Assert.Equal(0, allocated);
        }
    }

    private struct Recorder : IPendingAckHandler<int>
    {
        public List<int>? Seen;

        public readonly List<int> Order => Seen ?? [];

        public bool Release(ReadOnlySpan<byte> reply, in int meta)
        {
            if (Seen is not null)
                Seen.Add(meta);
            return true;
        }
    }
}
