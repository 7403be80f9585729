namespace Hyperproxy.Location.Tests;

/// <summary>
/// A purge is as durable as a save: after save, expiry, purge and a crash (no final checkpoint), the
/// reopened store does not hold the purged bindings, not even as expired ones. The reopened store's clock
/// is back at the save time, where the bindings would still be valid if they came back.
/// </summary>
public class PurgeRecoveryTests
{
    private const long Start = 1_700_000_000;

    private static CommitTicket Save(ILocationSession session, int aor, string contact, long expires)
    {
        Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, aor, contact, expires, Start, out CommitTicket ticket));
        return ticket;
    }

    /// <summary>AoRs 0..99: even ones have only a short binding, odd ones a short and a long one.</summary>
    private static CommitTicket SaveShortAndLong(ILocationSession session)
    {
        CommitTicket last = default;
        for (int i = 0; i < 100; i++)
        {
            last = Save(session, i, "sip:short@192.0.2.1", Start + 10);
            if (i % 2 == 1)
                last = Save(session, i, "sip:long@192.0.2.1", Start + 1000);
        }
        return last;
    }

    private static void AssertPurgedAfterRecovery(Durability durability, string directory)
    {
        using var store = TestSupport.Open(durability, directory, new ManualClock(Start));
        Assert.Equal(50, store.Recovery.Aors);
        Assert.Equal(50, store.Recovery.Contacts);
        using ILocationSession session = store.NewSession();
        for (int i = 0; i < 100; i++)
        {
            byte[]? record = TestSupport.ReadRecord(session, TestSupport.Aor(i));
            if (i % 2 == 0)
            {
                Assert.Null(record);
            }
            else
            {
                Assert.Equal(1, TestSupport.StoredCount(record));
                Assert.Equal(["sip:long@192.0.2.1"], TestSupport.Contacts(record, Start));
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SyncModeReplaysPurgesFromTheWal(bool checkpointBeforePurge)
    {
        using var dir = new TempDirectory();
        var clock = new ManualClock(Start);
        using (var store = TestSupport.Open(Durability.Sync, dir.Path, clock))
        {
            using ILocationSession session = store.NewSession();
            Assert.True(store.Commit(SaveShortAndLong(session)));
            if (checkpointBeforePurge)
                Assert.True(store.CheckpointNow());
            clock.Set(Start + 10);
            Assert.Equal(100, store.PurgeNow());
            // The WAL is sequential: once a later write is committed, so are the purge's entries.
            Assert.True(store.Commit(Save(session, 1000, "sip:marker@192.0.2.1", Start + 1000)));
            Assert.True(session.Delete(TestSupport.Aor(1000), out CommitTicket deleted) == UpdateStatus.Deleted);
            Assert.True(store.Commit(deleted));
            store.Close(finalCheckpoint: false);
        }
        AssertPurgedAfterRecovery(Durability.Sync, dir.Path);
    }

    [Fact]
    public void CheckpointModeKeepsAPurgeOnceACheckpointFollowsIt()
    {
        using var dir = new TempDirectory();
        var clock = new ManualClock(Start);
        using (var store = TestSupport.Open(Durability.Checkpoint, dir.Path, clock))
        {
            using ILocationSession session = store.NewSession();
            SaveShortAndLong(session);
            Assert.True(store.CheckpointNow());
            clock.Set(Start + 10);
            Assert.Equal(100, store.PurgeNow());
            Assert.True(store.CheckpointNow());
            store.Close(finalCheckpoint: false);
        }
        AssertPurgedAfterRecovery(Durability.Checkpoint, dir.Path);
    }
}
