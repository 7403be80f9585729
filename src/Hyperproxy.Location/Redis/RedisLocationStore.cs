using System.Net;
using StackExchange.Redis;

namespace Hyperproxy.Location.Redis;

/// <summary>
/// The location table on a Redis-protocol server (redis-server standalone or Cluster, Garnet): one string
/// key per AoR, <c>PREFIX{AOR}</c>, hash-tagged so one AoR lives on one shard, holding the same binary
/// record as the embedded store (<see cref="Records.LocationRecord"/>). Every write sets the key's TTL to
/// its latest binding's expiry, so Redis drops an AoR whose bindings have all expired (no sweeper across
/// nodes); an expired binding beside live ones is skipped by readers and dropped by the next save.
/// Updates are compare-and-set Lua scripts (<see cref="RedisScripts"/>). Two clients: the workers' parked reads and
/// writes go on a RESP connection of each session's own (<see cref="Resp.RespConnection"/>) when the URL names one
/// standalone server (<see cref="UsesOwnClient"/>); everything else — a Redis Cluster, several hosts, the synchronous
/// paths, listings and statistics — on StackExchange.Redis: one multiplexed connection per server shared by all
/// sessions, which follows Cluster MOVED/ASK, finds the primary among several hosts, and reconnects with exponential
/// back-off.
/// <para>A 200 OK leaves once Redis has answered the write: what a crash of Redis then loses is Redis's
/// own persistence (<c>appendonly</c>), not Hyperproxy's. Tickets are always <see cref="CommitTicket.None"/>.</para>
/// </summary>
public sealed partial class RedisLocationStore : ILocationStore
{
    private readonly ConnectionMultiplexer _connection;

    /// <summary>With durability sync: the connection the writes and their <c>WAIT</c>s go on, apart from the reads
    /// (<c>WAIT</c> blocks the connection it is sent on); otherwise <see cref="_connection"/> itself.</summary>
    private readonly ConnectionMultiplexer _writer;
    private readonly RedisLocationOptions _options;
    private readonly RedisStoreCounters _counters = new();
    private readonly byte[] _prefix;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<EndPoint, IServer> _servers = new();
    private readonly object[] _waitArguments;

    private volatile bool _ownClientRefused;

    private RedisLocationStore(ConnectionMultiplexer connection, ConnectionMultiplexer writer, RedisLocationOptions options, byte[]? ownClientAddress)
    {
        OwnClientAddress = ownClientAddress;
        ReplicaTimeoutMs = (long)(options.ReplicaTimeout ?? options.QueryTimeout / 2).TotalMilliseconds;
        Handshake = Resp.RespConnection.BuildHandshake(options.Url, "hyperproxy-worker", out int replies);
        WritesHandshake = Resp.RespConnection.BuildHandshake(options.Url, "hyperproxy-worker-writes", out _);
        HandshakeReplies = replies;
        _waitArguments = [1, (long)(options.ReplicaTimeout ?? options.QueryTimeout / 2).TotalMilliseconds];
        _connection = connection;
        _writer = writer;
        _options = options;
        _prefix = System.Text.Encoding.UTF8.GetBytes(options.KeyPrefix);
        Watch(connection, string.Empty);
        if (writer != connection)
        {
            Watch(writer, " (writes)");
        }
    }

    private void Watch(ConnectionMultiplexer connection, string which)
    {
        connection.ConnectionFailed += (_, e) =>
        {
            Interlocked.Increment(ref _counters.Disconnects);
            _options.Log($"location store: lost {Format(e.EndPoint)}{which} ({e.FailureType}); reconnecting with back-off");
        };
        connection.ConnectionRestored += (_, e) =>
        {
            Interlocked.Increment(ref _counters.Reconnects);
            _options.Log($"location store: reconnected to {Format(e.EndPoint)}{which}");
        };
    }

    /// <summary>
    /// Opens the store. Redis need not be up: the first connection is tried for <c>connect_timeout</c> and,
    /// when it fails, retried in the background; until it succeeds every operation fails at once.
    /// </summary>
    public static RedisLocationStore Open(RedisLocationOptions options)
    {
        var config = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = (int)options.ConnectTimeout.TotalMilliseconds,
            SyncTimeout = (int)options.QueryTimeout.TotalMilliseconds,
            AsyncTimeout = (int)options.QueryTimeout.TotalMilliseconds,
            ConnectRetry = 1,
            ReconnectRetryPolicy = new ExponentialRetry(100, 5000),
            KeepAlive = 5,
            User = options.Url.User,
            Password = options.Url.Password,
            DefaultDatabase = options.Url.Database,
            ClientName = "hyperproxy",
            AllowAdmin = true,
        };
        foreach ((string host, int port) in options.Url.Hosts)
        {
            config.EndPoints.Add(IPAddress.TryParse(host, out IPAddress? ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port));
        }

        var log = new LogWriter(options.Log);
        ConnectionMultiplexer connection = ConnectionMultiplexer.Connect(config, log);
        ConnectionMultiplexer writer = connection;
        if (options.WaitForReplica)
        {
            // WAIT blocks the connection it is sent on until a replica acknowledges (or its timeout): the writes and
            // their WAITs get a connection of their own, so that reads (lookups, a save's GET) never queue behind one.
            ConfigurationOptions writes = config.Clone();
            writes.ClientName = "hyperproxy-writes";
            writer = ConnectionMultiplexer.Connect(writes, log);
        }

        if (!connection.IsConnected || !writer.IsConnected)
        {
            options.Log($"location store: {options.Url.Describe()} not reachable yet; REGISTER is answered 500 and lookups fail until it is");
        }

        return new RedisLocationStore(connection, writer, options, FindOwnClientAddress(options, connection));
    }

    /// <summary>
    /// Where the workers' own connections go (<see cref="RedisLocationOptions.OwnClient"/>): the one host of the URL,
    /// unless it is a Redis Cluster node (known when StackExchange.Redis reached it at start-up; else the first
    /// <c>MOVED</c> tells, <see cref="RefuseOwnClient"/>) or the platform has no epoll.
    /// </summary>
    private static byte[]? FindOwnClientAddress(RedisLocationOptions options, ConnectionMultiplexer connection)
    {
        if (!options.OwnClient || !Resp.RespSockets.Supported || options.Url.Hosts.Count != 1)
        {
            return null;
        }

        foreach (IServer server in connection.GetServers())
        {
            if (server.IsConnected && server.ServerType == ServerType.Cluster)
            {
                return null;
            }
        }

        (string host, int port) = options.Url.Hosts[0];
        if (!IPAddress.TryParse(host, out IPAddress? address))
        {
            try
            {
                IPAddress[] addresses = Dns.GetHostAddresses(host);
                address = addresses.Length > 0 ? addresses[0] : null;
            }
            catch (System.Net.Sockets.SocketException)
            {
                address = null;
            }
        }

        if (address is null)
        {
            options.Log($"location store: {host} does not resolve now; the workers use StackExchange.Redis");
            return null;
        }

        return Resp.RespSockets.SockAddr(new IPEndPoint(address, port));
    }

    /// <summary>True while the workers' parked reads and writes go on their own connections (<see cref="RedisLocationOptions.OwnClient"/>).</summary>
    internal bool UsesOwnClient => OwnClientAddress is not null && !_ownClientRefused;

    internal byte[]? OwnClientAddress { get; }

    internal byte[] Handshake { get; }

    internal byte[] WritesHandshake { get; }

    internal int HandshakeReplies { get; }

    internal long ReplicaTimeoutMs { get; }

    internal static readonly byte[] s_scriptText = System.Text.Encoding.UTF8.GetBytes(RedisScripts.CompareAndSet);

    internal static readonly byte[] s_scriptSha = System.Text.Encoding.ASCII.GetBytes(
        Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(s_scriptText)));

    internal byte[] ScriptText => s_scriptText;

    internal byte[] ScriptSha => s_scriptSha;

    /// <summary>The server turned out to be a Redis Cluster node: from now on the workers use StackExchange.Redis, which
    /// follows the cluster's redirections (the operations in flight on the own connections fail once).</summary>
    internal void RefuseOwnClient(string why)
    {
        if (!_ownClientRefused)
        {
            _ownClientRefused = true;
            _options.Log($"location store: {why}; the workers use StackExchange.Redis from now on");
        }
    }

    /// <summary><see cref="Durability.Sync"/> when every write waits for a replica (<c>WAIT</c>), else
    /// <see cref="Durability.None"/> (what the primary keeps is the primary's business: <c>appendonly</c>).</summary>
    public Durability Durability => _options.WaitForReplica ? Durability.Sync : Durability.None;

    /// <summary>The compare-and-set script, sent by SHA (<c>EVALSHA</c>): the client loads it on each server once and
    /// sends it again in full when a server answers <c>NOSCRIPT</c> (a new primary after a failover).</summary>
    /// <remarks>Sent on the writes' connection (<see cref="Writes"/>).</remarks>
    internal Task<RedisResult> EvaluateCompareAndSetAsync(IDatabase writes, RedisKey[] keys, RedisValue[] arguments) =>
        writes.ScriptEvaluateAsync(RedisScripts.CompareAndSet, keys, arguments);

    internal RedisResult EvaluateCompareAndSet(IDatabase writes, RedisKey[] keys, RedisValue[] arguments) =>
        writes.ScriptEvaluate(RedisScripts.CompareAndSet, keys, arguments);

    /// <summary>
    /// With <see cref="RedisLocationOptions.WaitForReplica"/>: <c>WAIT 1 timeout</c> to the server that holds
    /// <paramref name="key"/>, right after the write on the same connection (the writes' own, never the reads'),
    /// so it covers the write (null when off). Redis counts a WAIT against the writes of the connection it is sent on.
    /// </summary>
    internal Task<RedisResult>? WaitForReplicaAsync(IDatabase writes, byte[] key)
    {
        if (!_options.WaitForReplica)
        {
            return null;
        }

        IServer? server = ServerFor(writes, key);
        if (server is null)
        {
            return Task.FromException<RedisResult>(new RedisConnectionException(ConnectionFailureType.UnableToConnect, "no server for the key"));
        }

        Interlocked.Increment(ref _counters.Operations);
        return server.ExecuteAsync("WAIT", _waitArguments);
    }

    /// <summary>As <see cref="WaitForReplicaAsync"/>, waiting on the calling thread: true when a replica has the write
    /// (always true when durability sync is off). Counts a write no replica acknowledged.</summary>
    internal bool WaitForReplica(IDatabase writes, byte[] key)
    {
        if (!_options.WaitForReplica)
        {
            return true;
        }

        IServer? server = ServerFor(writes, key);
        Interlocked.Increment(ref _counters.Operations);
        Interlocked.Increment(ref _counters.RoundTrips);
        RedisResult? acknowledged = server?.Execute("WAIT", _waitArguments);
        if (acknowledged is not null && acknowledged.Resp2Type == ResultType.Integer && (long)acknowledged >= 1)
        {
            return true;
        }

        Interlocked.Increment(ref _counters.NotReplicated);
        return false;
    }

    private IServer? ServerFor(IDatabase writes, byte[] key)
    {
        EndPoint? endPoint = writes.IdentifyEndpoint(key);
        if (endPoint is null)
        {
            return null;
        }

        if (!_servers.TryGetValue(endPoint, out IServer? server))
        {
            server = _writer.GetServer(endPoint);
            _servers.TryAdd(endPoint, server);
        }

        return server;
    }

    public bool ReadsCanPark => true;

    public RedisLocationOptions Options => _options;

    /// <summary>True while a connection to (every primary of) the server is up (both of them, with durability sync).</summary>
    public bool IsConnected => _connection.IsConnected && (_writer == _connection || _writer.IsConnected);

    internal ConnectionMultiplexer Connection => _connection;

    /// <summary>The connection writes go on: <see cref="Connection"/>, or with durability sync one of their own.</summary>
    internal ConnectionMultiplexer Writes => _writer;

    internal RedisStoreCounters Counters => _counters;

    public RecoveryReport Recovery => RecoveryReport.Empty;

    public ILocationSession NewSession() => new RedisLocationSession(this, _connection.GetDatabase(), _writer.GetDatabase(), _prefix);

    public bool IsCommitted(CommitTicket ticket) => true;

    public bool Commit(CommitTicket ticket) => true;

    /// <summary>
    /// Counters, and <c>DBSIZE</c> summed over the primaries as the AoR count (every key of the database: give
    /// the location table a database of its own). Contacts are not counted: that would read every record.
    /// </summary>
    public LocationStats GetStats()
    {
        long aors = 0;
        if (_connection.IsConnected)
        {
            try
            {
                foreach (IServer server in _connection.GetServers())
                {
                    if (server.IsConnected && !server.IsReplica)
                    {
                        aors += server.DatabaseSize(_options.Url.Database);
                    }
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Interlocked.Increment(ref _counters.Failures);
            }
        }

        return new LocationStats { Aors = aors, CachedbOperations = _counters.Operations, CachedbFailures = _counters.Failures,
            CachedbConflicts = _counters.Conflicts, CachedbReconnects = _counters.Reconnects, CachedbRoundTrips = _counters.RoundTrips,
            CachedbNotReplicated = _counters.NotReplicated, CachedbKnownSaves = _counters.KnownSaves, CachedbKnownStale = _counters.KnownStale };
    }

    public void Dispose()
    {
        if (_writer != _connection)
        {
            _writer.Dispose();
        }

        _connection.Dispose();
    }

    private static string Format(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => ip.ToString(),
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => "server",
    };

    private sealed class LogWriter(Action<string> log) : TextWriter
    {
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
        }

        public override void WriteLine(string? value)
        {
            if (value is not null && value.Contains("error", StringComparison.OrdinalIgnoreCase))
            {
                log("location store: " + value);
            }
        }
    }
}
