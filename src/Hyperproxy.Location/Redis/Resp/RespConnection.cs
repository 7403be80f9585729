using System.Buffers.Text;
using System.Diagnostics;

namespace Hyperproxy.Location.Redis.Resp;

/// <summary>
/// One worker's own connection to a standalone redis-server (or Garnet), owned by one thread and never locked: no
/// thread of its own, no task, no allocation per command once its buffers have grown to the load. Commands are
/// written into a buffer and sent with one <c>send</c> when the owner flushes (once per worker turn); the answers
/// come back in order (RESP is FIFO per connection) and are parsed when the owner pumps, each handed to the waiter
/// its command named. The descriptor is in the owner's epoll instance (<see cref="RespSockets.Watch"/>), which is
/// in the worker's poll set, so the worker wakes when an answer arrives.
/// <para>Failure: a lost connection, a reply that is not RESP, a reply with no command waiting for it, or a command
/// older than the query timeout (<see cref="FailIfOlderThan"/>) closes the connection and fails every command in
/// flight at once; while it is down every new command is refused at once (the caller fails fast) and a new
/// connection is tried after a back-off of 100 ms doubling to 5 s. A new connection first sends the handshake
/// (<c>AUTH</c>, <c>SELECT</c>, <c>CLIENT SETNAME</c>, <c>SCRIPT LOAD</c>) pipelined with the first commands.</para>
/// </summary>
internal sealed class RespConnection : IDisposable
{
    private const int HandshakeKind = -1;
    private const int InitialBackoffMs = 100;
    private const int MaxBackoffMs = 5000;

    /// <summary>Commands in flight at most (a session keeps at most 256 fetches and 256 writes of two commands each).</summary>
    public const int MaxInFlight = 1024;

    private readonly byte[] _sockAddr;
    private readonly byte[] _handshake;
    private readonly int _handshakeReplies;
    private readonly int _epoll;
    private readonly string _name;
    private readonly RedisLocationOptions _options;
    private readonly RedisStoreCounters _counters;
    private readonly long _connectTimeoutTicks;

    private readonly Entry[] _fifo = new Entry[MaxInFlight];
    private int _head;
    private int _count;

    private byte[] _out = new byte[64 * 1024];
    private int _outLength;
    private int _outSent;
    private byte[] _in = new byte[64 * 1024];
    private int _inStart;
    private int _inEnd;

    private int _fd = -1;
    private State _state;
    private bool _watchingOut;
    private long _connectStarted;
    private long _retryAt;
    private int _backoffMs = InitialBackoffMs;
    private bool _everConnected;
    private bool _lostLogged;

    private enum State : byte
    {
        Down,
        Connecting,
        Ready,
    }

    private struct Entry
    {
        public RespWaiter? Waiter;
        public int Kind;
        public long Sent;
    }

    public RespConnection(byte[] sockAddr, byte[] handshake, int handshakeReplies, int epoll, string name, RedisLocationOptions options,
        RedisStoreCounters counters)
    {
        _sockAddr = sockAddr;
        _handshake = handshake;
        _handshakeReplies = handshakeReplies;
        _epoll = epoll;
        _name = name;
        _options = options;
        _counters = counters;
        _connectTimeoutTicks = (long)(options.ConnectTimeout.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>Commands sent (or queued to be) whose answer has not come.</summary>
    public int InFlight => _count;

    /// <summary>True while connected (or connecting with the commands queued meanwhile).</summary>
    public bool IsUp => _state != State.Down;

    /// <summary>When the oldest command in flight was queued (<see cref="Stopwatch"/> ticks), or <see cref="long.MaxValue"/>.</summary>
    public long OldestSent => _count == 0 ? long.MaxValue : _fifo[_head].Sent;

    /// <summary>
    /// True when <paramref name="commands"/> more commands can be queued now: connected or connecting (a connection
    /// is started here when the back-off allows), and room in flight. False: the caller fails the operation at once.
    /// </summary>
    public bool TryReserve(int commands)
    {
        if (_state == State.Down)
        {
            if (Stopwatch.GetTimestamp() < _retryAt)
            {
                return false;
            }

            StartConnect();
            if (_state == State.Down)
            {
                return false;
            }
        }

        return _count + commands <= MaxInFlight;
    }

    /// <summary>Starts a command of <paramref name="parts"/> arguments (the command name included).</summary>
    public void BeginCommand(int parts)
    {
        Ensure(16);
        _out[_outLength++] = (byte)'*';
        WriteNumber(parts);
    }

    public void Argument(ReadOnlySpan<byte> value)
    {
        Ensure(value.Length + 16);
        _out[_outLength++] = (byte)'$';
        WriteNumber(value.Length);
        value.CopyTo(_out.AsSpan(_outLength));
        _outLength += value.Length;
        _out[_outLength++] = (byte)'\r';
        _out[_outLength++] = (byte)'\n';
    }

    /// <summary>Three parts: prefix, <paramref name="middle"/>, suffix as one bulk string (a key <c>PREFIX{AOR}</c>).</summary>
    public void Argument(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> middle, ReadOnlySpan<byte> suffix)
    {
        int length = prefix.Length + middle.Length + suffix.Length;
        Ensure(length + 16);
        _out[_outLength++] = (byte)'$';
        WriteNumber(length);
        prefix.CopyTo(_out.AsSpan(_outLength));
        _outLength += prefix.Length;
        middle.CopyTo(_out.AsSpan(_outLength));
        _outLength += middle.Length;
        suffix.CopyTo(_out.AsSpan(_outLength));
        _outLength += suffix.Length;
        _out[_outLength++] = (byte)'\r';
        _out[_outLength++] = (byte)'\n';
    }

    public void Argument(long value)
    {
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(value, digits, out int written);
        Argument(digits[..written]);
    }

    /// <summary>Ends the command started last: its answer goes to <paramref name="waiter"/> with <paramref name="kind"/>.
    /// A command queued while none waits for its answer starts a round trip (counted).</summary>
    public void EndCommand(RespWaiter waiter, int kind) => Expect(waiter, kind);

    /// <summary>Sends what is queued (one <c>send</c>; the rest when the socket has room again).</summary>
    public void Flush()
    {
        if (_state != State.Ready)
        {
            return;
        }

        if (_outSent == _outLength)
        {
            if (_watchingOut)
            {
                // Nothing to send: writable must not keep waking the worker (the watch is level-triggered).
                _watchingOut = false;
                RespSockets.Rewatch(_epoll, _fd, RespSockets.EpollIn);
            }

            return;
        }

        int sent = RespSockets.Send(_fd, _out.AsSpan(_outSent, _outLength - _outSent), out int errno);
        if (sent < 0)
        {
            if (errno != RespSockets.Eagain)
            {
                Lose("send failed (errno " + errno + ")");
                return;
            }

            sent = 0;
        }

        _outSent += sent;
        if (_outSent == _outLength)
        {
            _outSent = 0;
            _outLength = 0;
            if (_watchingOut)
            {
                _watchingOut = false;
                RespSockets.Rewatch(_epoll, _fd, RespSockets.EpollIn);
            }
        }
        else if (!_watchingOut)
        {
            _watchingOut = true;
            RespSockets.Rewatch(_epoll, _fd, RespSockets.EpollIn | RespSockets.EpollOut);
        }
    }

    /// <summary>Finishes a connect in progress, sends what waits, reads what has arrived and hands each answer to its waiter.</summary>
    public void Pump()
    {
        if (_state == State.Connecting)
        {
            int connect = RespSockets.ConnectState(_fd, out int errno);
            if (connect < 0)
            {
                Lose("connect failed (errno " + errno + ")");
                return;
            }

            if (connect == 0)
            {
                if (Stopwatch.GetTimestamp() - _connectStarted > _connectTimeoutTicks)
                {
                    Lose("connect timed out");
                }

                return;
            }

            _state = State.Ready;
        }

        if (_state != State.Ready)
        {
            return;
        }

        Flush();
        while (_state == State.Ready)
        {
            if (_inStart == _inEnd)
            {
                _inStart = 0;
                _inEnd = 0;
            }
            else if (_inEnd == _in.Length)
            {
                if (_inStart > 0)
                {
                    Buffer.BlockCopy(_in, _inStart, _in, 0, _inEnd - _inStart);
                    _inEnd -= _inStart;
                    _inStart = 0;
                }
                else
                {
                    Array.Resize(ref _in, _in.Length * 2); // one reply larger than the buffer: grows once, kept
                }
            }

            int received = RespSockets.Receive(_fd, _in.AsSpan(_inEnd), out int errno);
            if (received < 0)
            {
                if (errno != RespSockets.Eagain)
                {
                    Lose("receive failed (errno " + errno + ")");
                }

                return;
            }

            if (received == 0)
            {
                Lose("the server closed the connection");
                return;
            }

            _inEnd += received;
            if (!Dispatch())
            {
                return;
            }
        }
    }

    /// <summary>Closes the connection (failing what is in flight) when a command has waited since before <paramref name="stopwatchTimestamp"/>.</summary>
    public void FailIfOlderThan(long stopwatchTimestamp)
    {
        if (_count > 0 && _fifo[_head].Sent < stopwatchTimestamp)
        {
            Lose("no answer within query_timeout");
        }
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            RespSockets.CloseDescriptor(_fd);
            _fd = -1;
        }

        _state = State.Down;
    }

    /// <summary>Parses and hands out the whole replies received; false when the connection was closed meanwhile.</summary>
    private bool Dispatch()
    {
        while (_inStart < _inEnd)
        {
            RespParse parse = RespParser.Parse(_in.AsSpan(_inStart, _inEnd - _inStart), out RespType type, out long integer, out int start,
                out int length, out int consumed, out int needed);
            if (parse == RespParse.Incomplete)
            {
                if (needed > _in.Length)
                {
                    // A bulk reply larger than the buffer: room for it, once (kept for the next).
                    byte[] larger = new byte[Math.Max(needed, _in.Length * 2)];
                    Buffer.BlockCopy(_in, _inStart, larger, 0, _inEnd - _inStart);
                    _inEnd -= _inStart;
                    _inStart = 0;
                    _in = larger;
                }

                return true;
            }

            if (parse == RespParse.Garbage || _count == 0)
            {
                Lose(parse == RespParse.Garbage ? "a reply that is not RESP" : "a reply nobody asked for");
                return false;
            }

            ref Entry entry = ref _fifo[_head];
            RespWaiter? waiter = entry.Waiter;
            int kind = entry.Kind;
            entry = default;
            _head = _head + 1 == MaxInFlight ? 0 : _head + 1;
            _count--;
            var reply = new RespReply(type, integer, _in.AsSpan(_inStart + start, length));
            _inStart += consumed;
            if (kind == HandshakeKind)
            {
                if (type == RespType.Error)
                {
                    Lose("the server refused the connection's set-up: " + System.Text.Encoding.UTF8.GetString(reply.Bytes));
                    return false;
                }

                if (_count == 0 || _fifo[_head].Kind != HandshakeKind)
                {
                    Connected();
                }

                continue;
            }

            waiter!.OnReply(kind, reply);
        }

        return true;
    }

    private void Connected()
    {
        _backoffMs = InitialBackoffMs;
        _lostLogged = false;
        if (_everConnected)
        {
            Interlocked.Increment(ref _counters.Reconnects);
            _options.Log($"location store: reconnected ({_name})");
        }

        _everConnected = true;
    }

    private void Expect(RespWaiter? waiter, int kind)
    {
        if (_count == 0)
        {
            Interlocked.Increment(ref _counters.RoundTrips);
        }

        int tail = _head + _count;
        if (tail >= MaxInFlight)
        {
            tail -= MaxInFlight;
        }

        _fifo[tail] = new Entry { Waiter = waiter, Kind = kind, Sent = Stopwatch.GetTimestamp() };
        _count++;
    }

    private void StartConnect()
    {
        _outLength = 0;
        _outSent = 0;
        _inStart = 0;
        _inEnd = 0;
        int fd = RespSockets.StartConnect(_sockAddr, out bool connected, out int errno);
        if (fd < 0)
        {
            Backoff("connect failed (errno " + errno + ")");
            return;
        }

        if (!RespSockets.Watch(_epoll, fd, RespSockets.EpollIn | RespSockets.EpollOut))
        {
            RespSockets.CloseDescriptor(fd);
            Backoff("epoll_ctl failed");
            return;
        }

        _fd = fd;
        _watchingOut = true;
        _state = connected ? State.Ready : State.Connecting;
        _connectStarted = Stopwatch.GetTimestamp();
        _handshake.CopyTo(_out, 0);
        _outLength = _handshake.Length;
        for (int i = 0; i < _handshakeReplies; i++)
        {
            Expect(null, HandshakeKind);
        }
    }

    /// <summary>Closes the connection and fails every command in flight, in order; the next connect waits for the back-off.</summary>
    private void Lose(string why)
    {
        if (_fd >= 0)
        {
            RespSockets.Unwatch(_epoll, _fd);
            RespSockets.CloseDescriptor(_fd);
            _fd = -1;
        }

        _state = State.Down;
        _watchingOut = false;
        _outLength = 0;
        _outSent = 0;
        _inStart = 0;
        _inEnd = 0;
        Interlocked.Increment(ref _counters.Disconnects);
        Backoff(why);
        while (_count > 0)
        {
            Entry entry = _fifo[_head];
            _fifo[_head] = default;
            _head = _head + 1 == MaxInFlight ? 0 : _head + 1;
            _count--;
            if (entry.Kind != HandshakeKind)
            {
                entry.Waiter!.OnFailed(entry.Kind);
            }
        }

        _head = 0;
    }

    private void Backoff(string why)
    {
        if (!_lostLogged)
        {
            _lostLogged = true;
            _options.Log($"location store: {_name}: {why}; failing at once and reconnecting with back-off");
        }

        _retryAt = Stopwatch.GetTimestamp() + _backoffMs * Stopwatch.Frequency / 1000;
        _backoffMs = Math.Min(_backoffMs * 2, MaxBackoffMs);
    }

    private void Ensure(int more)
    {
        if (_outLength + more > _out.Length)
        {
            Array.Resize(ref _out, Math.Max(_out.Length * 2, _outLength + more));
        }
    }

    private void WriteNumber(long value)
    {
        Utf8Formatter.TryFormat(value, _out.AsSpan(_outLength), out int written);
        _outLength += written;
        _out[_outLength++] = (byte)'\r';
        _out[_outLength++] = (byte)'\n';
    }

    /// <summary>The handshake of a new connection and how many replies it takes: <c>AUTH</c> when a password is set,
    /// <c>SELECT</c> when a database other than 0 is, <c>CLIENT SETNAME</c>, and <c>SCRIPT LOAD</c> of the
    /// compare-and-set (so <c>EVALSHA</c> finds it).</summary>
    public static byte[] BuildHandshake(RedisLocationUrl url, string clientName, out int replies)
    {
        var parts = new List<string[]>();
        if (url.Password is { Length: > 0 } password)
        {
            parts.Add(url.User is { Length: > 0 } user ? ["AUTH", user, password] : ["AUTH", password]);
        }

        if (url.Database != 0)
        {
            parts.Add(["SELECT", url.Database.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        parts.Add(["CLIENT", "SETNAME", clientName]);
        parts.Add(["SCRIPT", "LOAD", RedisScripts.CompareAndSet]);
        var text = new System.Text.StringBuilder();
        foreach (string[] command in parts)
        {
            text.Append('*').Append(command.Length).Append("\r\n");
            foreach (string part in command)
            {
                text.Append('$').Append(System.Text.Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
            }
        }

        replies = parts.Count;
        return System.Text.Encoding.UTF8.GetBytes(text.ToString());
    }
}
