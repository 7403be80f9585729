namespace Hyperproxy.Location.Tests;

public class RecoveryTests
{
    private static void Save(ILocationSession session, int aor, out CommitTicket ticket)
    {
        var updater = new BindingUpdater
        {
            Contact = "sip:ua@192.0.2.10:5060"u8,
            Path1 = "<sip:p1.example.net;lr>"u8,
            Path2 = "<sip:p2.example.net;lr>"u8,
            Expires = 0,
            Now = 1,
        };
        session.Update(TestSupport.Aor(aor), ref updater, out ticket);
    }

    [Fact]
    public void CheckpointModeRecoversEverythingUpToTheLastCheckpoint()
    {
        using var dir = new TempDirectory();
        using (var store = TestSupport.Open(Durability.Checkpoint, dir.Path))
        {
            using ILocationSession session = store.NewSession();
            for (int i = 0; i < 3000; i++)
                Save(session, i, out CommitTicket ticket);
            Assert.True(store.CheckpointNow());
            for (int i = 3000; i < 4000; i++)
                Save(session, i, out _);
            store.Close(finalCheckpoint: false);
        }
        using (var store = TestSupport.Open(Durability.Checkpoint, dir.Path))
        {
            Assert.True(store.Recovery.FromCheckpoint);
            Assert.Equal(3000, store.Recovery.Aors);
            Assert.Equal(3000, store.Recovery.Contacts);
            using ILocationSession session = store.NewSession();
            for (int i = 0; i < 3000; i++)
                Assert.NotNull(TestSupport.ReadRecord(session, TestSupport.Aor(i)));
            Assert.Equal(3000, store.GetStats().Aors);
        }
    }

    [Fact]
    public void SyncModeRecoversEveryCommittedWriteWithoutAFinalCheckpoint()
    {
        using var dir = new TempDirectory();
        using (var store = TestSupport.Open(Durability.Sync, dir.Path))
        {
            using ILocationSession session = store.NewSession();
            CommitTicket last = default;
            for (int i = 0; i < 2000; i++)
            {
                Save(session, i, out last);
                if (i == 999)
                    Assert.True(store.CheckpointNow());
            }
            Assert.False(last.IsNone);
            Assert.True(session.Delete(TestSupport.Aor(5), out last) == UpdateStatus.Deleted);
            Assert.True(store.Commit(last));
            Assert.True(store.IsCommitted(last));
            store.Close(finalCheckpoint: false);
        }
        using (var store = TestSupport.Open(Durability.Sync, dir.Path))
        {
            Assert.True(store.Recovery.FromCheckpoint);
            Assert.True(store.Recovery.WalEntriesReplayed >= 1001);
            Assert.Equal(1999, store.Recovery.Aors);
            using ILocationSession session = store.NewSession();
            for (int i = 0; i < 2000; i++)
            {
                byte[]? record = TestSupport.ReadRecord(session, TestSupport.Aor(i));
                if (i == 5)
                    Assert.Null(record);
                else
                    Assert.Equal(["sip:ua@192.0.2.10:5060"], TestSupport.Contacts(record, 2));
            }
        }
    }

    [Fact]
    public void UnchangedUpdateTicketWaitsForEarlierWrites()
    {
        using var dir = new TempDirectory();
        using var store = TestSupport.Open(Durability.Sync, dir.Path);
        using ILocationSession session = store.NewSession();
        Save(session, 1, out CommitTicket written);
        var keep = new BindingUpdater { Contact = "sip:none"u8, Expires = -1 };
        Assert.Equal(UpdateStatus.Unchanged, session.Update(TestSupport.Aor(2), ref keep, out CommitTicket unchanged));
        // Nothing is on disk yet: the unchanged read may show the write, so it waits for it too.
        Assert.False(store.IsCommitted(written));
        Assert.False(store.IsCommitted(unchanged));
        Assert.True(store.Commit(unchanged));
        Assert.True(store.IsCommitted(written));
    }

    [Fact]
    public void NoneModeStartsEmptyAndGivesTicketsThatAreAlwaysCommitted()
    {
        using var dir = new TempDirectory();
        using (var store = TestSupport.Open(Durability.None, dir.Path))
        {
            using ILocationSession session = store.NewSession();
            Save(session, 1, out CommitTicket ticket);
            Assert.True(ticket.IsNone);
            Assert.True(store.IsCommitted(ticket));
        }
        using (var store = TestSupport.Open(Durability.None, dir.Path))
        {
            using ILocationSession session = store.NewSession();
            Assert.Null(TestSupport.ReadRecord(session, TestSupport.Aor(1)));
            Assert.Equal(0, store.Recovery.Aors);
        }
    }

    [Fact]
    public void CheckpointsTruncateTheWal()
    {
        using var dir = new TempDirectory();
        using var store = TestSupport.Open(Durability.Sync, dir.Path, walSegmentBytes: 64 * 1024);
        using ILocationSession session = store.NewSession();
        CommitTicket ticket = default;
        for (int i = 0; i < 3000; i++)
            Save(session, i, out ticket);
        store.Commit(ticket);
        Assert.True(store.CheckpointNow());
        long afterFirst = store.GetStats().WalBytes;
        Save(session, 1, out ticket);
        store.Commit(ticket);
        Assert.True(store.CheckpointNow());
        Assert.True(store.GetStats().WalBytes < afterFirst);
        Assert.True(store.GetStats().Checkpoints >= 2);
    }
}
