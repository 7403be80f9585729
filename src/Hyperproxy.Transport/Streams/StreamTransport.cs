using System.Collections.Concurrent;
using System.Net.Sockets;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Streams;

/// <summary>
/// The connection-oriented transports (TCP, TLS) of a server: the listening sockets, every connection (accepted or
/// opened by us), and one inbox per worker. Connections are read on the thread pool, never on a worker, and written by the worker whose batch queued the message (plain TCP/WS, non-blocking) or by their writer on the thread pool;
/// each complete message goes to the inbox of the connection's owning worker (connection id modulo the worker count),
/// which handles it in its next batch like a datagram, tagged with the connection id. A worker's reply or forward to a
/// stream socket comes back through <see cref="Send"/>: by connection id, else by the peer's address among live
/// connections of that transport, else a new outgoing connection (connected off the worker; the message waits in the
/// connection's queue). A sweeper closes idle, slow and stuck connections.
/// </summary>
public sealed class StreamTransport : IDisposable
{
    private readonly Listener[] _listeners;
    private readonly WorkerInbox[] _inboxes;
    private readonly ConcurrentQueue<ConnectFailure>[] _connectFailures;
    private readonly ConcurrentDictionary<long, StreamConnection> _connections = new();
    private readonly ConcurrentDictionary<(TransportProtocol, NetAddress), StreamConnection> _byPeer = new();
    private readonly Dictionary<NetAddress, int> _perSource = new();
    private readonly object _acceptGate = new();
    private readonly ITlsProvider? _tls;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _sweeper;
    private readonly Action<string> _log;
    private StreamCounters _counters;
    private long _nextId;
    private int _accepted;
    private bool _disposed;

    /// <summary>Binds every stream listener (socket indexes <paramref name="firstSocketIndex"/> on, in order); throws <see cref="TransportException"/>.</summary>
    public StreamTransport(StreamOptions options, IReadOnlyList<(TransportProtocol Protocol, NetAddress Address)> listeners, int firstSocketIndex,
        int workers, ITlsProvider? tls, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(listeners);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        Options = options;
        _tls = tls;
        _log = log ?? (line => Console.Error.WriteLine(line));
        _inboxes = new WorkerInbox[workers];
        for (int i = 0; i < workers; i++)
            _inboxes[i] = new WorkerInbox();
        _connectFailures = new ConcurrentQueue<ConnectFailure>[workers];
        for (int i = 0; i < workers; i++)
            _connectFailures[i] = new ConcurrentQueue<ConnectFailure>();
        _listeners = new Listener[listeners.Count];
        try
        {
            for (int i = 0; i < listeners.Count; i++)
            {
                (TransportProtocol protocol, NetAddress address) = listeners[i];
                if (!protocol.IsStream())
                    throw new ArgumentException("only stream transports", nameof(listeners));
                if (protocol.IsSecure() && tls is null)
                    throw new TransportException($"{protocol.Name()}:{address}: no TLS certificate; give --tls-cert/--tls-key or load tls_mgm with a server_domain");
                _listeners[i] = new Listener(protocol, Bind(protocol, address, options.Backlog), firstSocketIndex + i);
            }
        }
        catch
        {
            foreach (Listener? l in _listeners)
                l?.Socket.Dispose();
            throw;
        }
        _sweeper = new Thread(Sweep) { IsBackground = true, Name = "hp-stream-sweeper" };
    }

    public StreamOptions Options { get; }

    /// <summary>The bound listener addresses in order (ports resolved when 0 was asked for).</summary>
    public IReadOnlyList<NetAddress> LocalAddresses => _listeners.Select(l => l.Address).ToArray();

    /// <summary>Open connections (accepted and ours).</summary>
    public int ConnectionCount => _connections.Count;

    internal ref StreamCounters CountersRef => ref _counters;

    /// <summary>Starts accepting and the sweeper.</summary>
    public void Start()
    {
        foreach (Listener l in _listeners)
            _ = Task.Run(() => AcceptLoop(l));
        _sweeper.Start();
    }

    /// <summary>The counters so far.</summary>
    public StreamCounters ReadCounters()
    {
        StreamCounters c = default;
        c.Accepted = Interlocked.Read(ref _counters.Accepted);
        c.Connected = Interlocked.Read(ref _counters.Connected);
        c.ConnectFailures = Interlocked.Read(ref _counters.ConnectFailures);
        c.RefusedTotalLimit = Interlocked.Read(ref _counters.RefusedTotalLimit);
        c.RefusedSourceLimit = Interlocked.Read(ref _counters.RefusedSourceLimit);
        c.Closed = Interlocked.Read(ref _counters.Closed);
        c.ClosedIdle = Interlocked.Read(ref _counters.ClosedIdle);
        c.ClosedSlow = Interlocked.Read(ref _counters.ClosedSlow);
        c.ClosedTooLarge = Interlocked.Read(ref _counters.ClosedTooLarge);
        c.ClosedMissingContentLength = Interlocked.Read(ref _counters.ClosedMissingContentLength);
        c.ClosedWriteOverflow = Interlocked.Read(ref _counters.ClosedWriteOverflow);
        c.TlsHandshakeFailures = Interlocked.Read(ref _counters.TlsHandshakeFailures);
        c.WebSocketHandshakeFailures = Interlocked.Read(ref _counters.WebSocketHandshakeFailures);
        c.WebSocketProtocolErrors = Interlocked.Read(ref _counters.WebSocketProtocolErrors);
        c.MessagesIn = Interlocked.Read(ref _counters.MessagesIn);
        c.MessagesOut = Interlocked.Read(ref _counters.MessagesOut);
        c.Pings = Interlocked.Read(ref _counters.Pings);
        c.SendNoConnection = Interlocked.Read(ref _counters.SendNoConnection);
        c.Aliases = Interlocked.Read(ref _counters.Aliases);
        c.AliasesRefused = Interlocked.Read(ref _counters.AliasesRefused);
        return c;
    }

    /// <summary>
    /// Sends one message on a stream socket: on connection <paramref name="connectionId"/> while it lives, else on a
    /// live connection of the socket's transport to <paramref name="peer"/>, else on a new connection to it (opened
    /// off the calling thread). A negative <paramref name="connectionId"/> names an RFC 5626 flow: connection
    /// -<paramref name="connectionId"/> only, and nothing is sent once it is closed. Never blocks; false when the message
    /// could not be queued.
    /// </summary>
    public bool Send(int socketIndex, long connectionId, in NetAddress peer, ReadOnlySpan<byte> payload) =>
        Send(socketIndex, connectionId, peer, payload, null);

    /// <summary>The same from a worker's batch: the connection is written when <paramref name="flush"/> is flushed.</summary>
    internal bool Send(int socketIndex, long connectionId, in NetAddress peer, ReadOnlySpan<byte> payload, WorkerFlush? flush)
    {
        Listener? listener = ListenerOf(socketIndex);
        if (listener is null)
            return false;
        StreamConnection? connection = null;
        if (connectionId < 0)
        {
            // An RFC 5626 flow: this connection only, never another one to the same address, never a new one.
            if (_connections.TryGetValue(-connectionId, out StreamConnection? flow) && !flow.IsClosed)
                connection = flow;
        }
        else
        {
            if (connectionId != 0 && _connections.TryGetValue(connectionId, out StreamConnection? byId) && !byId.IsClosed)
                connection = byId;
            if (connection is null && (!_byPeer.TryGetValue((listener.Protocol, peer), out connection) || connection.IsClosed))
                connection = Connect(listener, peer);
        }
        if (connection is null || !connection.EnqueueMessage(payload, flush))
        {
            Interlocked.Increment(ref _counters.SendNoConnection);
            return false;
        }
        Interlocked.Increment(ref _counters.MessagesOut);
        return true;
    }

    /// <summary>The id of a live connection of <paramref name="protocol"/> that answers to <paramref name="peer"/> (its source address or an alias); 0 for none.</summary>
    public long FindConnection(TransportProtocol protocol, in NetAddress peer) =>
        _byPeer.TryGetValue((protocol, peer), out StreamConnection? connection) && !connection.IsClosed ? connection.Id : 0;

    /// <summary>True while connection <paramref name="connectionId"/> is open.</summary>
    public bool IsOpen(long connectionId) => _connections.TryGetValue(connectionId, out StreamConnection? c) && !c.IsClosed;

    /// <summary>Appends the messages waiting for worker <paramref name="worker"/> to its batch.</summary>
    public int Drain(int worker, DatagramBatch batch) => _inboxes[worker].Drain(batch);

    public bool HasInbound(int worker) => !_inboxes[worker].IsEmpty;

    /// <summary>How many times connection readers woke worker <paramref name="worker"/> from its wait.</summary>
    public long WakeCount(int worker) => _inboxes[worker].Wake.Signals;

    internal WorkerInbox InboxOf(int worker) => _inboxes[worker];

    /// <summary>True when an outgoing connection failed (connect or TLS handshake) and worker <paramref name="worker"/> has not taken it yet.</summary>
    public bool HasConnectFailures(int worker) => !_connectFailures[worker].IsEmpty;

    /// <summary>
    /// The next outgoing connection that failed before it carried anything (connect refused or timed out, TLS handshake
    /// failed): every worker hears of each, since each may have queued messages on it (one connection per peer serves all
    /// of them); a worker that sleeps is woken. RFC 3261 §16.9 / §8.1.3.1: a transport error is a 503 to whoever sent.
    /// </summary>
    public bool TryTakeConnectFailure(int worker, out ConnectFailure failure) => _connectFailures[worker].TryDequeue(out failure);

    private void NoteConnectFailure(StreamConnection connection)
    {
        var failure = new ConnectFailure(connection.SocketIndex, connection.Peer, connection.Id);
        for (int i = 0; i < _connectFailures.Length; i++)
        {
            if (_connectFailures[i].Count < MaxConnectFailures)
                _connectFailures[i].Enqueue(failure);
            Wake(i);
        }
    }

    /// <summary>Failures a worker holds untaken at most (a worker that stopped taking them costs this much memory, no more).</summary>
    private const int MaxConnectFailures = 4096;

    /// <summary>Queues a message for <paramref name="worker"/>; <see cref="Wake"/> once the read's messages are queued.</summary>
    internal void Deliver(in InboundMessage message, int worker) => _inboxes[worker].Enqueue(message);

    /// <summary>At stop: wakes every sleeping worker and keeps it from sleeping again, so it sees its stop flag now rather than at its poll timeout.</summary>
    internal void WakeAll()
    {
        foreach (WorkerInbox inbox in _inboxes)
        {
            if (inbox.Wakeable)
                inbox.Wake.Stop();
        }
    }

    /// <summary>Wakes <paramref name="worker"/> if it sleeps in its receive wait (no syscall when it is busy).</summary>
    internal void Wake(int worker)
    {
        WorkerInbox inbox = _inboxes[worker];
        if (inbox.Wakeable)
            inbox.Wake.Signal();
    }

    /// <summary>
    /// force_tcp_alias / RFC 5923: connection <paramref name="connectionId"/> also answers to its peer's address with
    /// <paramref name="port"/>, so requests to that address reuse it while it lives. False when the connection is gone
    /// or already holds <see cref="StreamOptions.MaxAliasesPerConnection"/> aliases.
    /// </summary>
    public bool AddAlias(long connectionId, int port) =>
        _connections.TryGetValue(connectionId, out StreamConnection? connection) && AddAlias(connection, port);

    internal bool AddAlias(StreamConnection connection, int port)
    {
        if (port is < 1 or > 65535 || connection.IsClosed)
            return false;
        NetAddress alias = connection.Peer.WithPort(port);
        if (alias == connection.Peer)
            return true;
        int max = Options.MaxAliasesPerConnection;
        int count = Math.Min(Volatile.Read(ref connection.AliasCount), max);
        for (int i = 0; i < count; i++)
        {
            if (connection.Aliases[i] == alias)
            {
                _byPeer[(connection.Protocol, alias)] = connection; // a refresh re-claims it from a newer connection
                return true;
            }
        }

        int slot = Interlocked.Increment(ref connection.AliasCount) - 1;
        if (slot >= max)
        {
            Interlocked.Increment(ref _counters.AliasesRefused);
            return false;
        }

        connection.Aliases[slot] = alias;
        _byPeer[(connection.Protocol, alias)] = connection;
        Interlocked.Increment(ref _counters.Aliases);
        if (connection.IsClosed)
            Unalias(connection); // closed meanwhile: Forget may have run before the alias was in the table
        return true;
    }

    private void Unalias(StreamConnection connection)
    {
        int count = Math.Min(Volatile.Read(ref connection.AliasCount), Options.MaxAliasesPerConnection);
        for (int i = 0; i < count; i++)
            _byPeer.TryRemove(new KeyValuePair<(TransportProtocol, NetAddress), StreamConnection>((connection.Protocol, connection.Aliases[i]), connection));
    }

    /// <summary>Drops a closed connection from the tables (called once by the connection).</summary>
    internal void Forget(StreamConnection connection)
    {
        _connections.TryRemove(connection.Id, out _);
        _byPeer.TryRemove(new KeyValuePair<(TransportProtocol, NetAddress), StreamConnection>((connection.Protocol, connection.Peer), connection));
        Unalias(connection);
        Interlocked.Increment(ref _counters.Closed);
        if (connection.Inbound)
        {
            lock (_acceptGate)
            {
                _accepted--;
                NetAddress source = connection.Peer.WithPort(0);
                if (_perSource.TryGetValue(source, out int n))
                {
                    if (n <= 1)
                        _perSource.Remove(source);
                    else
                        _perSource[source] = n - 1;
                }
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _stop.Cancel();
        foreach (Listener l in _listeners)
            l.Socket.Dispose();
        foreach (StreamConnection c in _connections.Values)
            c.Close();
        if (_sweeper.IsAlive)
            _sweeper.Join(TimeSpan.FromSeconds(2));
        foreach (WorkerInbox inbox in _inboxes)
        {
            inbox.Clear();
            if (!inbox.Wakeable)
                inbox.Wake.Dispose(); // no worker waits on it (a wakeable one is closed by its worker's I/O)
        }
    }

    private Listener? ListenerOf(int socketIndex)
    {
        foreach (Listener l in _listeners)
        {
            if (l.SocketIndex == socketIndex)
                return l;
        }
        return null;
    }

    private static Socket Bind(TransportProtocol protocol, NetAddress address, int backlog)
    {
        var socket = new Socket(address.IsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (address.IsIPv6)
                socket.DualMode = false;
            socket.Bind(address.ToIPEndPoint());
            socket.Listen(backlog);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new TransportException(e.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? $"{protocol.Name()}:{address}: address already in use"
                : $"{protocol.Name()}:{address}: cannot listen: {e.Message}", e);
        }
    }

    private async Task AcceptLoop(Listener listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.Socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                if (_stop.IsCancellationRequested)
                    return;
                continue;
            }

            if (socket.RemoteEndPoint is not System.Net.IPEndPoint remote)
            {
                socket.Dispose();
                continue;
            }
            NetAddress peer = NetAddress.FromIPEndPoint(remote);
            if (!Admit(peer))
            {
                socket.Dispose();
                continue;
            }

            Interlocked.Increment(ref _counters.Accepted);
            Tune(socket);
            long id = Interlocked.Increment(ref _nextId);
            var connection = new StreamConnection(this, id, socket, listener.Protocol, listener.SocketIndex, peer,
                (int)(id % _inboxes.Length), inbound: true);
            _connections[id] = connection;
            // Every accepted connection has the alias src_ip:src_port (replies and requests to the source reuse it).
            _byPeer[(listener.Protocol, peer)] = connection;
            if (listener.Protocol.IsSecure())
                _ = Task.Run(() => HandshakeAsServer(connection, listener.Address));
            else
                connection.Run(new NetworkStream(socket, ownsSocket: false));
        }
    }

    private bool Admit(NetAddress peer)
    {
        NetAddress source = peer.WithPort(0);
        lock (_acceptGate)
        {
            if (_accepted >= Options.MaxConnections)
            {
                Interlocked.Increment(ref _counters.RefusedTotalLimit);
                return false;
            }
            _perSource.TryGetValue(source, out int n);
            if (n >= Options.MaxConnectionsPerSource)
            {
                Interlocked.Increment(ref _counters.RefusedSourceLimit);
                return false;
            }
            _perSource[source] = n + 1;
            _accepted++;
            return true;
        }
    }

    private void Tune(Socket socket)
    {
        socket.NoDelay = true;
        if (!Options.KeepAlive)
            return;
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            if (Options.KeepIdleSeconds > 0)
                socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, Options.KeepIdleSeconds);
            if (Options.KeepIntervalSeconds > 0)
                socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, Options.KeepIntervalSeconds);
            if (Options.KeepCount > 0)
                socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, Options.KeepCount);
        }
        catch (SocketException)
        {
            // Keep-alive tuning is best effort where the system lacks an option.
        }
    }

    /// <summary>A new outgoing connection to <paramref name="peer"/> (or the one another thread registered first).</summary>
    private StreamConnection? Connect(Listener listener, NetAddress peer)
    {
        // A WebSocket client cannot be connected to (RFC 7118 §5): only its own connection reaches it.
        if (_disposed || peer.Family != listener.Address.Family || listener.Protocol.IsWebSocket())
            return null;
        var socket = new Socket(peer.IsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        long id = Interlocked.Increment(ref _nextId);
        var connection = new StreamConnection(this, id, socket, listener.Protocol, listener.SocketIndex, peer,
            (int)(id % _inboxes.Length), inbound: false);
        if (!_byPeer.TryAdd((listener.Protocol, peer), connection))
        {
            socket.Dispose();
            if (_byPeer.TryGetValue((listener.Protocol, peer), out StreamConnection? other) && !other.IsClosed)
                return other;
            _byPeer[(listener.Protocol, peer)] = connection;
        }
        _connections[id] = connection;
        _ = Task.Run(() => ConnectAsync(connection, listener));
        return connection;
    }

    private async Task ConnectAsync(StreamConnection connection, Listener listener)
    {
        Socket socket = connection.Socket;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ClosedToken, _stop.Token);
        try
        {
            if (!listener.Address.IsAny)
                socket.Bind(listener.Address.WithPort(0).ToIPEndPoint()); // leave from the listener's address
            // The bound is checked after the fact: a connect the kernel completed in time is not thrown away because
            // its continuation ran late on a loaded machine.
            Task connect = socket.ConnectAsync(connection.Peer.ToIPEndPoint(), connection.ClosedToken).AsTask();
            await Task.WhenAny(connect, Task.Delay(Options.ConnectTimeout, timeout.Token)).ConfigureAwait(false);
            if (!connect.IsCompletedSuccessfully && !socket.Connected)
            {
                throw new OperationCanceledException("connect timed out");
            }

            await connect.ConfigureAwait(false);
            Tune(socket);
            Interlocked.Increment(ref _counters.Connected);
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (listener.Protocol == TransportProtocol.Tls)
            {
                timeout.CancelAfter(Options.HandshakeTimeout);
                stream = await _tls!.AuthenticateAsClientAsync(stream, connection.Peer, timeout.Token).ConfigureAwait(false);
            }
            connection.Run(stream);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or IOException
            or System.Security.Authentication.AuthenticationException or InvalidOperationException)
        {
            if (listener.Protocol == TransportProtocol.Tls && e is System.Security.Authentication.AuthenticationException or IOException)
                Interlocked.Increment(ref _counters.TlsHandshakeFailures);
            else
                Interlocked.Increment(ref _counters.ConnectFailures);
            connection.Close();
            NoteConnectFailure(connection);
        }
    }

    private async Task HandshakeAsServer(StreamConnection connection, NetAddress local)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ClosedToken, _stop.Token);
        timeout.CancelAfter(Options.HandshakeTimeout);
        try
        {
            Stream stream = await _tls!.AuthenticateAsServerAsync(new NetworkStream(connection.Socket, ownsSocket: false), local, timeout.Token)
                .ConfigureAwait(false);
            connection.Run(stream);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or IOException
            or System.Security.Authentication.AuthenticationException or InvalidOperationException)
        {
            Interlocked.Increment(ref _counters.TlsHandshakeFailures);
            connection.Close();
        }
    }

    private void Sweep()
    {
        while (!_stop.Token.WaitHandle.WaitOne(Options.SweepInterval))
        {
            long now = Environment.TickCount64;
            long lifetime = (long)Options.ConnectionLifetime.TotalMilliseconds;
            long messageTime = (long)Options.MaxMessageTime.TotalMilliseconds;
            long handshake = (long)(Options.HandshakeTimeout + Options.ConnectTimeout).TotalMilliseconds;
            foreach (StreamConnection c in _connections.Values)
            {
                if (c.IsClosed)
                    continue;
                if (c.Establishing)
                {
                    if (now - c.CreatedAt > handshake)
                    {
                        Interlocked.Increment(ref _counters.ClosedSlow);
                        c.Close();
                    }
                    continue;
                }
                long partial = c.PartialSince;
                if (partial != 0 && now - partial > messageTime)
                {
                    Interlocked.Increment(ref _counters.ClosedSlow);
                    c.Close();
                }
                else if (now - Volatile.Read(ref c.LastActivity) > lifetime)
                {
                    Interlocked.Increment(ref _counters.ClosedIdle);
                    c.Close();
                }
            }
        }
    }

    private sealed class Listener(TransportProtocol protocol, Socket socket, int socketIndex)
    {
        public TransportProtocol Protocol { get; } = protocol;

        public Socket Socket { get; } = socket;

        public int SocketIndex { get; } = socketIndex;

        public NetAddress Address { get; } = NetAddress.FromIPEndPoint((System.Net.IPEndPoint)socket.LocalEndPoint!);
    }
}
