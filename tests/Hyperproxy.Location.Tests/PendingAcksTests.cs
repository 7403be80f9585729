using Hyperproxy.Testing;

namespace Hyperproxy.Location.Tests;

public class PendingAcksTests
{
    private sealed class FakeStore : ILocationStore
    {
        public long CommittedUntil;

        public Durability Durability => Durability.Sync;

        public RecoveryReport Recovery => RecoveryReport.Empty;

        public ILocationSession NewSession() => throw new NotSupportedException();

        public bool IsCommitted(CommitTicket ticket) => ticket.Address <= CommittedUntil;

        public bool Commit(CommitTicket ticket) => IsCommitted(ticket);

        public LocationStats GetStats() => new();

        public void Dispose()
        {
        }
    }

    private struct Collector : IPendingAckHandler<int>
    {
        public List<string> Sent;

        /// <summary>Replies taken before it refuses (0: no limit).</summary>
        public int Room;

        public bool Release(ReadOnlySpan<byte> reply, in int meta)
        {
            if (Room > 0 && Sent.Count >= Room)
            {
                return false;
            }

            Sent.Add(meta + ":" + TestSupport.Text(reply));
            return true;
        }
    }

    [Fact]
    public void RepliesLeaveInOrderOnlyOnceTheirTicketIsCommitted()
    {
        var store = new FakeStore();
        var acks = new PendingAcks<int>(8, 256);
        Assert.True(acks.TryPark(new CommitTicket(10), "200 a"u8, 1));
        Assert.True(acks.TryPark(new CommitTicket(20), "200 b"u8, 2));
        Assert.True(acks.TryPark(new CommitTicket(30), "200 c"u8, 3));
        var collector = new Collector { Sent = [] };
        Assert.Equal(0, acks.Release(store, ref collector));
        store.CommittedUntil = 25;
        Assert.Equal(2, acks.Release(store, ref collector));
        Assert.Equal(["1:200 a", "2:200 b"], collector.Sent);
        Assert.Equal(1, acks.Count);
        store.CommittedUntil = 30;
        Assert.Equal(1, acks.Release(store, ref collector));
        Assert.Equal("3:200 c", collector.Sent[^1]);
        Assert.Equal(0, acks.Count);
    }

    [Fact]
    public void AReplyTheHandlerCannotTakeStaysParkedFirstInLine()
    {
        var store = new FakeStore { CommittedUntil = 100 };
        var acks = new PendingAcks<int>(8, 256);
        Assert.True(acks.TryPark(new CommitTicket(10), "200 a"u8, 1));
        Assert.True(acks.TryPark(new CommitTicket(20), "200 b"u8, 2));
        Assert.True(acks.TryPark(new CommitTicket(30), "200 c"u8, 3));
        var full = new Collector { Sent = [], Room = 1 };
        Assert.Equal(1, acks.Release(store, ref full));
        Assert.Equal(["1:200 a"], full.Sent);
        Assert.Equal(2, acks.Count);
        var collector = new Collector { Sent = [] };
        acks.NewBatch();
        Assert.Equal(2, acks.Release(store, ref collector));
        Assert.Equal(["2:200 b", "3:200 c"], collector.Sent);
        // The first went out with the batch that parked it; the other two only with the next one.
        Assert.Equal(2, acks.Stats.Deferred);
        Assert.Equal(3, acks.WaitLatency.Count);
    }

    [Fact]
    public void RepliesReleasedWithTheBatchThatParkedThemAreNotDeferred()
    {
        var store = new FakeStore { CommittedUntil = 100 };
        var acks = new PendingAcks<int>(8, 256);
        var collector = new Collector { Sent = [] };
        for (int batch = 0; batch < 3; batch++)
        {
            acks.NewBatch();
            Assert.True(acks.TryPark(new CommitTicket(10), "200 a"u8, 1));
            Assert.True(acks.TryPark(new CommitTicket(20), "200 b"u8, 2));
            Assert.Equal(2, acks.Release(store, ref collector));
        }
        Assert.Equal(0, acks.Stats.Deferred);
        Assert.Equal(6, acks.WaitLatency.Count);
    }

    [Fact]
    public void FullQueueRefusesAndWrapsAroundOnceSpaceIsFreed()
    {
        var store = new FakeStore();
        var acks = new PendingAcks<int>(4, 100);
        var collector = new Collector { Sent = [] };
        byte[] reply = new byte[40];
        Assert.True(acks.TryPark(new CommitTicket(1), reply, 1));
        Assert.True(acks.TryPark(new CommitTicket(2), reply, 2));
        Assert.False(acks.TryPark(new CommitTicket(3), reply, 3));
        store.CommittedUntil = 1;
        Assert.Equal(1, acks.Release(store, ref collector));
        Assert.True(acks.TryPark(new CommitTicket(3), reply, 3));
        Assert.False(acks.TryPark(new CommitTicket(4), new byte[10], 4));
        store.CommittedUntil = 3;
        Assert.Equal(2, acks.Release(store, ref collector));
        Assert.Equal(3, collector.Sent.Count);
        Assert.Equal(0, acks.Count);
        Assert.True(acks.TryPark(new CommitTicket(4), reply, 5));
        Assert.True(acks.TryPark(new CommitTicket(4), reply, 6));
        Assert.False(acks.TryPark(new CommitTicket(4), reply, 7));
        store.CommittedUntil = 4;
        Assert.Equal(2, acks.Release(store, ref collector));
    }

    [Fact]
    public void ParkingAndReleasingAllocatesNothing()
    {
        var store = new FakeStore { CommittedUntil = long.MaxValue };
        var acks = new PendingAcks<long>(64, 4096);
        var sink = new CountingSink();
        byte[] reply = new byte[300];
        for (int i = 0; i < 1000; i++)
        {
            acks.TryPark(new CommitTicket(i), reply, i);
            acks.Release(store, ref sink);
        }
        long allocated = Allocations.Least(() =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                acks.TryPark(new CommitTicket(i), reply, i);
                if ((i & 7) == 0)
                {
                    acks.NewBatch();
                    acks.Release(store, ref sink);
                }
            }
            acks.Release(store, ref sink);
        });
        Assert.Equal(0, allocated);
        Assert.Equal(0, (sink.Count - 1000) % 100_000);
        Assert.True(sink.Count >= 101_000);
    }

    private struct CountingSink : IPendingAckHandler<long>
    {
        public int Count;

        public bool Release(ReadOnlySpan<byte> reply, in long meta)
        {
            Count++;
            return true;
        }
    }
}
