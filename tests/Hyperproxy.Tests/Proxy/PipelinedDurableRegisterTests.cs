using System.Net;
using System.Text;
using Hyperproxy.Location;
using Hyperproxy.Location.Faster;
using Hyperproxy.Modules;
using Hyperproxy.Proxy;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Testing;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Proxy;

/// <summary>
/// A worker's durable REGISTERs with pipelined commits (durability sync, io_uring): the 200 OKs are parked
/// while their sync runs and leave, in order, from <see cref="StatelessProxy.CompleteCommits"/>; a worker turn
/// plus the completion of its commit allocates nothing.
/// </summary>
public sealed class PipelinedDurableRegisterTests : IDisposable
{
    private const int Batch = 16;
    private static readonly NetAddress Client = NetAddress.FromIPv4(127, 0, 0, 9, 40000);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-pipelined-" + Guid.NewGuid().ToString("N"));
    private readonly ProxyCounters[] _counters = new ProxyCounters[1];
    private readonly NextHopResolver _resolver = new(_ => throw new System.Net.Sockets.SocketException(11001));
    private readonly FasterLocationStore _store;
    private readonly StatelessProxy _proxy;
    private readonly DatagramBatch _received = new(Batch, DatagramBatch.DefaultSlotSize);
    private readonly DatagramBatch _outgoing = new(Batch, DatagramBatch.DefaultSlotSize);
    private readonly byte[][] _registers = new byte[Batch][];
    private readonly int[] _cseqAt = new int[Batch];
    private int _cseq = 100_000_000;

    public PipelinedDurableRegisterTests()
    {
        var catalog = new ModuleCatalog();
        CompiledScript script = catalog.CompileText(PipelineRig.RegistrarScript, "pipelined.cfg");
        // No timed checkpoints during the test: after each one FASTER's updates append copies to its log, whose
        // pages it allocates on the writing thread until its in-memory ring is full — the store's warm-up, not the
        // commit path's (the WAL is what is measured here).
        _store = new FasterLocationStore(new LocationStoreOptions
        {
            Durability = Durability.Sync,
            DataDirectory = _dir,
            ExpectedAors = 1024,
            CheckpointInterval = TimeSpan.FromHours(1),
        });
        catalog.Registrar.UseStore(_store);
        _proxy = new StatelessProxy(new ProxyIdentity([NetAddress.IPv4Loopback(5060)], [null]), _resolver, _counters, 0, script, _store);
        for (int i = 0; i < Batch; i++)
        {
            string text = "REGISTER sip:127.0.0.1 SIP/2.0\r\n"
                + $"Via: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-{i}\r\n"
                + $"From: <sip:u{i}@127.0.0.1>;tag=t{i}\r\nTo: <sip:u{i}@127.0.0.1>\r\nCall-ID: reg-{i}@127.0.0.9\r\n"
                + "CSeq: 100000000 REGISTER\r\n"
                + $"Contact: <sip:u{i}@127.0.0.9:{5000 + i}>;expires=3600\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
            _registers[i] = Encoding.ASCII.GetBytes(text);
            _cseqAt[i] = text.IndexOf("CSeq: ", StringComparison.Ordinal) + "CSeq: ".Length;
        }
    }

    public void Dispose()
    {
        _resolver.Dispose();
        _store.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Accepts the descriptor to watch, as the recvmmsg I/O does (nothing is received or sent here).</summary>
    private sealed class WatchingIo : IBatchIo
    {
        public int SocketCount => 1;

        public int Receive(DatagramBatch batch, int timeoutMs) => 0;

        public int Send(DatagramBatch outgoing) => outgoing.Count;

        public bool TryWatch(int fd) => fd >= 0;

        public void Dispose()
        {
        }
    }

    // One turn as the worker runs it: handle the batch, start its commit; then the turns that follow until its
    // sync completes (bounded). Returns the 200 OKs sent, in order, into sent (when not null).
    private int Turn(List<string>? sent)
    {
        _received.Clear();
        for (int i = 0; i < Batch; i++)
        {
            WriteDigits(_registers[i].AsSpan(_cseqAt[i], 9), ++_cseq);
            _received.TryAdd(_registers[i], Client, 0);
        }

        _outgoing.Clear();
        _proxy.Handle(_received, _outgoing);
        if (_proxy.HasUncommitted)
        {
            _proxy.Commit(_outgoing);
        }

        int replies = Collect(sent);
        for (int spin = 0; spin < 10_000_000 && _proxy.ParkedReplies > 0; spin++)
        {
            _outgoing.Clear();
            if (_proxy.CommitsInFlight)
            {
                while (_proxy.CompleteCommits(_outgoing))
                {
                    replies += Collect(sent);
                    _outgoing.Clear();
                }
            }

            replies += Collect(sent);
        }

        return replies;
    }

    private int Collect(List<string>? sent)
    {
        for (int i = 0; sent is not null && i < _outgoing.Count; i++)
        {
            sent.Add(Encoding.ASCII.GetString(_outgoing.Payload(i)));
        }

        return _outgoing.Count;
    }

    [Fact]
    public void RepliesWaitForTheirSyncAndLeaveInOrderOnceItCompletes()
    {
        Assert.True(_proxy.EnablePipelinedCommits(new WatchingIo()), "pipelined commits unavailable: " + FasterLocationStore.CommitQueueUnavailableReason);
        Assert.True(_proxy.PipelinedCommits);

        _received.Clear();
        for (int i = 0; i < Batch; i++)
        {
            _received.TryAdd(_registers[i], Client, 0);
        }

        _outgoing.Clear();
        _proxy.Handle(_received, _outgoing);
        Assert.Equal(0, _outgoing.Count);
        Assert.True(_proxy.HasUncommitted);
        Assert.False(_proxy.Commit(_outgoing));
        Assert.Equal(0, _outgoing.Count); // started, not waited for
        Assert.True(_proxy.CommitsInFlight);
        Assert.False(_proxy.HasUncommitted);
        Assert.Equal(Batch, _proxy.ParkedReplies);

        // The worker's next turns (no new datagram): the sync completes and every reply leaves, in parking order.
        var sent = new List<string>();
        for (int spin = 0; spin < 10_000_000 && _proxy.ParkedReplies > 0; spin++)
        {
            _outgoing.Clear();
            while (_proxy.CompleteCommits(_outgoing))
            {
                Collect(sent);
                _outgoing.Clear();
            }

            Collect(sent);
        }

        Assert.Equal(Batch, sent.Count);
        for (int i = 0; i < sent.Count; i++)
        {
            Assert.StartsWith("SIP/2.0 200 OK\r\n", sent[i], StringComparison.Ordinal);
            Assert.Contains($"Call-ID: reg-{i}@127.0.0.9", sent[i], StringComparison.Ordinal);
        }

        Assert.False(_proxy.CommitsInFlight);
        Assert.Equal(0, _proxy.ParkedReplies);
        Assert.True(_store.GetStats().WalCommits >= 1);
    }

    [Fact]
    public void APipelinedWorkerTurnAndItsCommitAllocateNothing()
    {
        Assert.True(_proxy.EnablePipelinedCommits(new WatchingIo()), "pipelined commits unavailable: " + FasterLocationStore.CommitQueueUnavailableReason);
        for (int warm = 0; warm < 50; warm++)
        {
            Assert.Equal(Batch, Turn(null));
        }

        long replies = 0;
        long allocated = Allocations.Least(() =>
        {
            for (int turn = 0; turn < 200; turn++)
            {
                replies += Turn(null);
            }
        });

        Assert.True(replies >= 200 * Batch, $"{replies} replies");
        Assert.Equal(0, allocated);
    }

    private static void WriteDigits(Span<byte> digits, int value)
    {
        for (int i = digits.Length - 1; i >= 0; i--)
        {
            digits[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}
