using Hyperproxy.Testing;
using Hyperproxy.Location.Faster;
using Hyperproxy.Location.Records;

namespace Hyperproxy.Location.Tests;

public class FasterLocationStoreTests
{
    private const long Now = 1_700_000_000;

    private static UpdateStatus Save(ILocationSession session, byte[] aor, string contact, long expires, out BindingUpdater result)
    {
        result = new BindingUpdater
        {
            Contact = System.Text.Encoding.ASCII.GetBytes(contact),
            Path1 = "<sip:p1.example.net;lr>"u8,
            Path2 = "<sip:p2.example.net;lr>"u8,
            Expires = expires,
            Now = Now,
            CSeq = 1,
        };
        return session.Update(aor, ref result, out _);
    }

    [Fact]
    public void UpdateInsertsThenMergesThenDeletesAndReadsFollow()
    {
        using var store = TestSupport.Open(Durability.None, null);
        using ILocationSession session = store.NewSession();
        byte[] aor = TestSupport.Aor(1);
        Assert.Null(TestSupport.ReadRecord(session, aor));

        Assert.Equal(UpdateStatus.Written, Save(session, aor, "sip:a@192.0.2.1", Now + 60, out BindingUpdater first));
        Assert.Equal(0, first.Before);
        Assert.Equal(UpdateStatus.Written, Save(session, aor, "sip:b@192.0.2.2", Now + 60, out BindingUpdater second));
        Assert.Equal(1, second.Before);
        Assert.Equal(["sip:a@192.0.2.1", "sip:b@192.0.2.2"], TestSupport.Contacts(TestSupport.ReadRecord(session, aor), Now));

        Assert.Equal(UpdateStatus.Written, Save(session, aor, "sip:a@192.0.2.1", -1, out _));
        Assert.Equal(["sip:b@192.0.2.2"], TestSupport.Contacts(TestSupport.ReadRecord(session, aor), Now));
        Assert.Equal(UpdateStatus.Deleted, Save(session, aor, "sip:b@192.0.2.2", -1, out _));
        Assert.Null(TestSupport.ReadRecord(session, aor));
        Assert.Equal(UpdateStatus.Unchanged, Save(session, aor, "sip:b@192.0.2.2", -1, out _));
    }

    [Fact]
    public void GrowingRecordsAreRewrittenAndShrinkingOnesUpdatedInPlace()
    {
        using var store = TestSupport.Open(Durability.None, null);
        using ILocationSession session = store.NewSession();
        byte[] aor = TestSupport.Aor(2);
        for (int i = 0; i < 20; i++)
            Save(session, aor, "sip:c" + i + "@192.0.2.1", Now + 60, out _);
        Assert.Equal(20, TestSupport.Contacts(TestSupport.ReadRecord(session, aor), Now).Count);
        for (int i = 0; i < 19; i++)
            Save(session, aor, "sip:c" + i + "@192.0.2.1", -1, out _);
        Assert.Equal(["sip:c19@192.0.2.1"], TestSupport.Contacts(TestSupport.ReadRecord(session, aor), Now));
        LocationStats stats = store.GetStats();
        Assert.Equal(1, stats.Aors);
        Assert.Equal(1, stats.Contacts);
    }

    [Fact]
    public void ReadReportsBufferTooSmallWithTheNeededLength()
    {
        using var store = TestSupport.Open(Durability.None, null);
        using ILocationSession session = store.NewSession();
        byte[] aor = TestSupport.Aor(3);
        Save(session, aor, "sip:a@192.0.2.1", Now + 60, out _);
        Assert.Equal(ReadStatus.BufferTooSmall, session.Read(aor, new byte[16], out int needed));
        Assert.Equal(ReadStatus.Found, session.Read(aor, new byte[needed], out int length));
        Assert.Equal(needed, length);
    }

    [Fact]
    public void KeepLeavesTheRecordAndBadLengthIsRefused()
    {
        using var store = TestSupport.Open(Durability.None, null);
        using ILocationSession session = store.NewSession();
        byte[] aor = TestSupport.Aor(4);
        Save(session, aor, "sip:a@192.0.2.1", Now + 60, out _);
        byte[]? before = TestSupport.ReadRecord(session, aor);
        var liar = new LyingUpdater();
        Assert.Equal(UpdateStatus.BadLength, session.Update(aor, ref liar, out _));
        Assert.Equal(before, TestSupport.ReadRecord(session, aor));
        Assert.Equal(UpdateStatus.Deleted, session.Delete(aor, out _));
        Assert.Equal(UpdateStatus.Unchanged, session.Delete(aor, out _));
        Assert.Equal(UpdateStatus.Failed, session.Delete(default, out _));
    }

    [Theory]
    [InlineData(Durability.None)]
    [InlineData(Durability.Sync)]
    public void UpdateAndReadAllocateNothingAfterWarmUp(Durability durability)
    {
        using var dir = new TempDirectory();
        using var store = TestSupport.Open(durability, durability == Durability.None ? null : dir.Path, expected: 20_000);
        using FasterLocationSession session = store.NewFasterSession();
        byte[][] aors = new byte[1000][];
        for (int i = 0; i < aors.Length; i++)
            aors[i] = TestSupport.Aor(i);
        byte[] buffer = GC.AllocateUninitializedArray<byte>(8192, pinned: true);
        static BindingUpdater Alice() => new()
        {
            Contact = "sip:alice@192.0.2.10:5060"u8,
            Path1 = "<sip:p1.example.net;lr;received=sip:198.51.100.7:40000>"u8,
            Path2 = "<sip:p2.example.net;lr>"u8,
            Expires = Now + 3600,
            Now = Now,
        };
        BindingUpdater updater = Alice();
        CommitTicket ticket = default;
        for (int i = 0; i < 20_000; i++)
        {
            session.Update(aors[i % aors.Length], ref updater, out ticket);
            session.Read(aors[i % aors.Length], buffer, out _);
            if ((i & 63) == 63)
                Assert.True(store.Commit(ticket));
        }
        uint cseq = 0;
        long allocated = Allocations.Least(() =>
        {
            // Sync: the WAL frame and, once per 64 (a worker's batch), its pwrite + fdatasync.
            BindingUpdater update = Alice();
            for (int i = 0; i < 30_000; i++)
            {
                update.CSeq = ++cseq;
                session.Update(aors[i % aors.Length], ref update, out CommitTicket ticket);
                session.Read(aors[i % aors.Length], buffer, out _);
                if ((i & 63) == 63 && !store.Commit(ticket))
                    throw new InvalidOperationException("commit failed");
            }
        });
        Assert.Equal(0, allocated);
        Assert.Equal(durability == Durability.Sync, store.GetStats().WalCommits > 0);
    }

    [Fact]
    public void WorkersUpdatingDisjointAndSharedAorsEndInTheRightState()
    {
        using var store = TestSupport.Open(Durability.None, null);
        const int Workers = 4;
        const int PerWorker = 2000;
        var threads = new Thread[Workers];
        for (int w = 0; w < Workers; w++)
        {
            int worker = w;
            threads[w] = new Thread(() =>
            {
                using ILocationSession session = store.NewSession();
                for (int i = 0; i < PerWorker; i++)
                {
                    Save(session, TestSupport.Aor(100_000 + worker * PerWorker + i), "sip:own@192.0.2.1", Now + 60, out _);
                    Save(session, TestSupport.Aor(i % 50), "sip:w" + worker + "-" + (i % 10) + "@192.0.2.1", Now + 60, out _);
                }
            });
            threads[w].Start();
        }
        foreach (Thread t in threads)
            Assert.True(t.Join(TimeSpan.FromSeconds(30)));
        using ILocationSession reader = store.NewSession();
        for (int w = 0; w < Workers; w++)
        {
            for (int i = 0; i < PerWorker; i++)
                Assert.Equal(["sip:own@192.0.2.1"], TestSupport.Contacts(TestSupport.ReadRecord(reader, TestSupport.Aor(100_000 + w * PerWorker + i)), Now));
        }
        for (int k = 0; k < 50; k++)
        {
            // Every worker wrote contacts "w<worker>-<k % 10>" into AoR k; none may be lost to a race.
            List<string> contacts = TestSupport.Contacts(TestSupport.ReadRecord(reader, TestSupport.Aor(k)), Now);
            Assert.Equal(Workers, contacts.Count);
            for (int w = 0; w < Workers; w++)
                Assert.Contains("sip:w" + w + "-" + (k % 10) + "@192.0.2.1", contacts);
        }
        LocationStats stats = store.GetStats();
        Assert.Equal(Workers * PerWorker + 50, stats.Aors);
        Assert.Equal(Workers * PerWorker + 50 * Workers, stats.Contacts);
    }

    private struct LyingUpdater : ILocationUpdater
    {
        public readonly UpdateDecision Update(ReadOnlySpan<byte> current, Span<byte> destination, out int length)
        {
            length = destination.Length + 1;
            return UpdateDecision.Write;
        }
    }
}
