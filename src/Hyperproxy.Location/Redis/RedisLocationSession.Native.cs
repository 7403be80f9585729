using Hyperproxy.Location.Redis.Resp;

namespace Hyperproxy.Location.Redis;

/// <summary>
/// The session's own RESP connection(s) (<see cref="RespConnection"/>), used for the parked reads and writes when the
/// store talks to one standalone server (<see cref="RedisLocationStore.UsesOwnClient"/>): the <c>GET</c>s, scripts and
/// <c>WAIT</c>s a worker starts in one turn are written into the connection's buffer and leave with one <c>send</c> at
/// the end of the turn (<see cref="Flush"/>); their answers are read on the worker when the session's epoll descriptor
/// (<see cref="WakeFd"/>, in the worker's poll set) says they are in. With durability sync the writes and their
/// <c>WAIT</c>s get a second connection (<c>WAIT</c> blocks the one it is sent on), as with StackExchange.Redis.
/// The synchronous paths (<see cref="Read"/>, <see cref="Update"/>, <see cref="Delete"/>) stay on StackExchange.Redis.
/// </summary>
internal sealed partial class RedisLocationSession
{
    private const int KindGet = 0;
    private const int KindScript = 1;
    private const int KindWait = 2;

    private RespConnection? _reads;
    private RespConnection? _writesConnection;
    private int _epoll = -1;
    private readonly FetchSlot?[] _freeFetchSlots = new FetchSlot?[MaxFetches];
    private int _freeFetchSlotCount;

    /// <summary>A fetch's answer on the session's own connection.</summary>
    private sealed class FetchSlot(RedisLocationStore store) : RespWaiter
    {
        public bool Answered;
        public bool Failed;
        public bool Exists;
        public byte[] Value = new byte[1024];
        public int Length;

        public bool Done => Answered || Failed;

        public override void OnReply(int kind, in RespReply reply)
        {
            Answered = true;
            switch (reply.Type)
            {
                case RespType.Null:
                    Exists = false;
                    break;
                case RespType.Bulk:
                    Exists = true;
                    if (Value.Length < reply.Bytes.Length)
                    {
                        Value = new byte[Math.Max(reply.Bytes.Length, Value.Length * 2)];
                    }

                    reply.Bytes.CopyTo(Value);
                    Length = reply.Bytes.Length;
                    break;
                default:
                    Failed = true; // an error (e.g. WRONGTYPE, MOVED) or an answer a GET never gives
                    if (reply.IsError("MOVED"u8) || reply.IsError("ASK"u8) || reply.IsError("CLUSTERDOWN"u8))
                    {
                        store.RefuseOwnClient("the server answered as a Redis Cluster node");
                    }

                    break;
            }
        }

        public override void OnFailed(int kind) => Failed = true;
    }

    /// <summary>True when the parked operations go on the session's own connection (not StackExchange.Redis).</summary>
    private bool OwnClient => _store.UsesOwnClient;

    /// <summary>The epoll descriptor that is readable when an answer (or a loss) is in on the session's own connections;
    /// -1 when the store uses StackExchange.Redis for them.</summary>
    public int WakeFd
    {
        get
        {
            if (!OwnClient)
            {
                return -1;
            }

            EnsureEpoll();
            return _epoll;
        }
    }

    /// <summary>True while commands on the session's own connections wait for their answer.</summary>
    public bool HasOutstanding => (_reads?.InFlight ?? 0) + (_writesConnection?.InFlight ?? 0) > 0;

    /// <summary>End of the worker's turn: what was queued leaves, and what has arrived is taken in.</summary>
    public void Flush()
    {
        _reads?.Pump();
        _reads?.Flush();
        if (_writesConnection is not null && _writesConnection != _reads)
        {
            _writesConnection.Pump();
            _writesConnection.Flush();
        }
    }

    private void EnsureEpoll()
    {
        if (_epoll < 0)
        {
            _epoll = RespSockets.NewEpoll();
        }
    }

    private RespConnection? Reads()
    {
        if (_reads is null)
        {
            EnsureEpoll();
            if (_epoll < 0)
            {
                return null;
            }

            _reads = new RespConnection(_store.OwnClientAddress!, _store.Handshake, _store.HandshakeReplies, _epoll, "hyperproxy-worker",
                _store.Options, _store.Counters);
        }

        return _reads;
    }

    private RespConnection? Writes()
    {
        if (!_store.Options.WaitForReplica)
        {
            return Reads();
        }

        if (_writesConnection is null)
        {
            EnsureEpoll();
            if (_epoll < 0)
            {
                return null;
            }

            _writesConnection = new RespConnection(_store.OwnClientAddress!, _store.WritesHandshake, _store.HandshakeReplies, _epoll,
                "hyperproxy-worker-writes", _store.Options, _store.Counters);
        }

        return _writesConnection;
    }

    /// <summary>Queues the <c>GET</c> of <paramref name="key"/>; null when the connection cannot take it now (down: fail at once).</summary>
    private FetchSlot? StartOwnFetch(byte[] key)
    {
        RespConnection? connection = Reads();
        if (connection is null || !connection.TryReserve(1))
        {
            return null;
        }

        FetchSlot slot = _freeFetchSlotCount > 0 ? _freeFetchSlots[--_freeFetchSlotCount]! : new FetchSlot(_store);
        _freeFetchSlots[_freeFetchSlotCount] = null;
        slot.Answered = false;
        slot.Failed = false;
        slot.Exists = false;
        slot.Length = 0;
        connection.BeginCommand(2);
        connection.Argument("GET"u8);
        connection.Argument(key);
        connection.EndCommand(slot, KindGet);
        return slot;
    }

    private void ReturnFetchSlot(FetchSlot slot)
    {
        if (slot.Done && _freeFetchSlotCount < _freeFetchSlots.Length)
        {
            _freeFetchSlots[_freeFetchSlotCount++] = slot;
        }
    }

    /// <summary>Queues the slot's compare-and-set (<c>EVALSHA</c>, or <c>EVAL</c> with the script after a <c>NOSCRIPT</c>)
    /// and, with durability sync, its <c>WAIT</c>. False when the connection cannot take them now.</summary>
    private bool SendOwnScript(WriteSlot slot, bool full)
    {
        RespConnection? connection = Writes();
        bool wait = _store.Options.WaitForReplica;
        if (connection is null || !connection.TryReserve(wait ? 2 : 1))
        {
            return false;
        }

        connection.BeginCommand(8);
        if (full)
        {
            connection.Argument("EVAL"u8);
            connection.Argument(_store.ScriptText);
        }
        else
        {
            connection.Argument("EVALSHA"u8);
            connection.Argument(_store.ScriptSha);
        }

        connection.Argument("1"u8);
        connection.Argument(slot.Key);
        connection.Argument(slot.ExpectedExists ? "1"u8 : "0"u8);
        connection.Argument(slot.Expected.AsSpan(0, slot.ExpectedExists ? slot.ExpectedLength : 0));
        connection.Argument(slot.Written.AsSpan(0, slot.WrittenLength));
        if (slot.Decision == UpdateDecision.Delete)
        {
            connection.Argument("D"u8);
        }
        else
        {
            connection.Argument(slot.TimeToLiveMs);
        }

        connection.EndCommand(slot, KindScript);
        slot.Outstanding++;
        Interlocked.Increment(ref _store.Counters.Operations);
        if (wait)
        {
            connection.BeginCommand(3);
            connection.Argument("WAIT"u8);
            connection.Argument("1"u8);
            connection.Argument(_store.ReplicaTimeoutMs);
            connection.EndCommand(slot, KindWait);
            slot.Outstanding++;
            Interlocked.Increment(ref _store.Counters.Operations);
        }

        return true;
    }

    /// <summary>A <c>NOSCRIPT</c> answer (the server lost its scripts: <c>SCRIPT FLUSH</c>, a restart between the
    /// handshake and now): the script goes again in full. The <c>WAIT</c> sent after the first one is ignored.</summary>
    private void ResendFull(WriteSlot slot)
    {
        if (_store.Options.WaitForReplica)
        {
            slot.IgnoreWaits++;
        }

        if (!SendOwnScript(slot, full: true))
        {
            slot.ScriptFailed = true;
        }
    }

    private void FailOwnOlderThan(long stopwatchTimestamp)
    {
        _reads?.FailIfOlderThan(stopwatchTimestamp);
        if (_writesConnection is not null && _writesConnection != _reads)
        {
            _writesConnection.FailIfOlderThan(stopwatchTimestamp);
        }
    }

    private void DisposeOwnClient()
    {
        _reads?.Dispose();
        _writesConnection?.Dispose();
        if (_epoll >= 0)
        {
            RespSockets.CloseDescriptor(_epoll);
            _epoll = -1;
        }
    }
}
