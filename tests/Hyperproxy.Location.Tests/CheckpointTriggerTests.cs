using Hyperproxy.Location.Faster;

namespace Hyperproxy.Location.Tests;

/// <summary>
/// The size-based checkpoint trigger: in sync mode a WAL grown past <see cref="LocationStoreOptions.CheckpointWalBytes"/>
/// since the last checkpoint makes the checkpoint thread run one early (the timer here is an hour away).
/// </summary>
public class CheckpointTriggerTests
{
    private const long Threshold = 1L << 20;

    private static CommitTicket Save(ILocationSession session, int aor)
    {
        var updater = new BindingUpdater
        {
            Contact = "sip:ua@192.0.2.10:5060"u8,
            Path1 = "<sip:p1.example.net;lr;received=sip:198.51.100.7:40000>"u8,
            Expires = 0,
            Now = 1,
            CSeq = (uint)aor,
        };
        Assert.Equal(UpdateStatus.Written, session.Update(TestSupport.Aor(aor), ref updater, out CommitTicket ticket));
        return ticket;
    }

    /// <summary>
    /// Saves AoRs from <paramref name="next"/> on until the WAL since the last checkpoint passes the threshold,
    /// looking after every write, so the early checkpoint starts with (almost) nothing written behind it;
    /// stops as well if that checkpoint has already completed (the writer was descheduled meanwhile).
    /// </summary>
    private static int FillPastThreshold(FasterLocationStore store, ILocationSession session, int next, long checkpointsBefore,
        out long written, out CommitTicket last)
    {
        last = default;
        written = 0;
        while (true)
        {
            LocationStats stats = store.GetStats();
            written = Math.Max(written, stats.WalBytesSinceCheckpoint);
            if (stats.WalBytesSinceCheckpoint > Threshold || stats.Checkpoints > checkpointsBefore)
                return next;
            last = Save(session, next++ % 20_000);
            Assert.True(next < 1_000_000, "the WAL does not grow");
        }
    }

    [Fact]
    public void WalPastTheThresholdStartsACheckpointAndTruncatesTheWal()
    {
        using var dir = new TempDirectory();
        using (FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path, expected: 20_000, checkpointWalBytes: Threshold))
        {
            using ILocationSession session = store.NewSession();
            int next = 0;
            long written = 0;
            for (int round = 1; round <= 3; round++)
            {
                next = FillPastThreshold(store, session, next, round - 1, out long roundBytes, out CommitTicket last);
                written += roundBytes;
                Assert.True(store.Commit(last));
                int expected = round;
                Assert.True(TestSupport.WaitUntil(() => store.GetStats().WalTriggeredCheckpoints >= expected, TimeSpan.FromSeconds(20)),
                    $"no checkpoint after {store.GetStats().WalBytesSinceCheckpoint} WAL bytes (round {round})");
                LocationStats stats = store.GetStats();
                // One early checkpoint per threshold's worth of WAL, none from the timer, and the WAL behind it is now covered.
                Assert.Equal(round, stats.WalTriggeredCheckpoints);
                Assert.Equal(round, stats.Checkpoints);
                Assert.True(stats.WalBytesSinceCheckpoint < Threshold, $"{stats.WalBytesSinceCheckpoint} WAL bytes after the checkpoint");
            }

            // Truncated behind the previous checkpoint: about one round of WAL is kept, not all three.
            LocationStats final = store.GetStats();
            Assert.True(final.WalBytes < written / 2, $"WAL keeps {final.WalBytes} of {written} bytes written");
            for (int i = 0; i < 10; i++)
                Save(session, 50_000 + i);
            Assert.True(store.Commit(Save(session, 50_010)));
            store.Close(finalCheckpoint: false);
        }

        using (FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path, expected: 20_000, checkpointWalBytes: Threshold))
        {
            // Only the writes after the last (size-triggered) checkpoint are replayed.
            Assert.True(store.Recovery.FromCheckpoint);
            Assert.Equal(11, store.Recovery.WalEntriesReplayed);
            using ILocationSession session = store.NewSession();
            Assert.NotNull(TestSupport.ReadRecord(session, TestSupport.Aor(50_010)));
            Assert.NotNull(TestSupport.ReadRecord(session, TestSupport.Aor(0)));
        }
    }

    [Fact]
    public void ANegativeThresholdIsRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new FasterLocationStore(new LocationStoreOptions { CheckpointWalBytes = -1 }));
        Assert.Contains("CheckpointWalBytes", e.Message, StringComparison.Ordinal);
    }
}
