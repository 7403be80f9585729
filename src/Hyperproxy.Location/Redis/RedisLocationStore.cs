using System.Net;
using StackExchange.Redis;

namespace Hyperproxy.Location.Redis;

/// <summary>
/// The location table on a Redis-protocol server (redis-server standalone or Cluster, Garnet): one string
/// key per AoR, <c>PREFIX{AOR}</c>, hash-tagged so one AoR lives on one shard, holding the same binary
/// record as the embedded store (<see cref="Records.LocationRecord"/>). Every write sets the key's TTL to
/// its latest binding's expiry, so Redis drops an AoR whose bindings have all expired (no sweeper across
/// nodes); an expired binding beside live ones is skipped by readers and dropped by the next save.
/// Updates are compare-and-set Lua scripts (<see cref="RedisScripts"/>). The client is StackExchange.Redis:
/// one multiplexed connection per server shared by all sessions, which follows Cluster MOVED/ASK, finds the
/// primary among several hosts, and reconnects with exponential back-off.
/// <para>A 200 OK leaves once Redis has answered the write: what a crash of Redis then loses is Redis's
/// own persistence (<c>appendonly</c>), not Hyperproxy's. Tickets are always <see cref="CommitTicket.None"/>.</para>
/// </summary>
public sealed partial class RedisLocationStore : ILocationStore
{
    private readonly ConnectionMultiplexer _connection;
    private readonly RedisLocationOptions _options;
    private readonly RedisStoreCounters _counters = new();
    private readonly byte[] _prefix;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<EndPoint, IServer> _servers = new();
    private readonly object[] _waitArguments;

    private RedisLocationStore(ConnectionMultiplexer connection, RedisLocationOptions options)
    {
        _waitArguments = [1, (long)(options.ReplicaTimeout ?? options.QueryTimeout / 2).TotalMilliseconds];
        _connection = connection;
        _options = options;
        _prefix = System.Text.Encoding.UTF8.GetBytes(options.KeyPrefix);
        _connection.ConnectionFailed += (_, e) =>
        {
            Interlocked.Increment(ref _counters.Disconnects);
            options.Log($"location store: lost {Format(e.EndPoint)} ({e.FailureType}); reconnecting with back-off");
        };
        _connection.ConnectionRestored += (_, e) =>
        {
            Interlocked.Increment(ref _counters.Reconnects);
            options.Log($"location store: reconnected to {Format(e.EndPoint)}");
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

        var writer = new LogWriter(options.Log);
        ConnectionMultiplexer connection = ConnectionMultiplexer.Connect(config, writer);
        if (!connection.IsConnected)
        {
            options.Log($"location store: {options.Url.Describe()} not reachable yet; REGISTER is answered 500 and lookups fail until it is");
        }

        return new RedisLocationStore(connection, options);
    }

    /// <summary><see cref="Durability.Sync"/> when every write waits for a replica (<c>WAIT</c>), else
    /// <see cref="Durability.None"/> (what the primary keeps is the primary's business: <c>appendonly</c>).</summary>
    public Durability Durability => _options.WaitForReplica ? Durability.Sync : Durability.None;

    /// <summary>The compare-and-set script, sent by SHA (<c>EVALSHA</c>): the client loads it on each server once and
    /// sends it again in full when a server answers <c>NOSCRIPT</c> (a new primary after a failover).</summary>
    internal Task<RedisResult> EvaluateCompareAndSetAsync(IDatabase database, RedisKey[] keys, RedisValue[] arguments) =>
        database.ScriptEvaluateAsync(RedisScripts.CompareAndSet, keys, arguments);

    internal RedisResult EvaluateCompareAndSet(IDatabase database, RedisKey[] keys, RedisValue[] arguments) =>
        database.ScriptEvaluate(RedisScripts.CompareAndSet, keys, arguments);

    /// <summary>
    /// With <see cref="RedisLocationOptions.WaitForReplica"/>: <c>WAIT 1 timeout</c> to the server that holds
    /// <paramref name="key"/>, right after the write on the same connection, so it covers the write (null when off).
    /// </summary>
    internal Task<RedisResult>? WaitForReplicaAsync(IDatabase database, byte[] key)
    {
        if (!_options.WaitForReplica)
        {
            return null;
        }

        EndPoint? endPoint = database.IdentifyEndpoint(key);
        if (endPoint is null)
        {
            return Task.FromException<RedisResult>(new RedisConnectionException(ConnectionFailureType.UnableToConnect, "no server for the key"));
        }

        if (!_servers.TryGetValue(endPoint, out IServer? server))
        {
            server = _connection.GetServer(endPoint);
            _servers.TryAdd(endPoint, server);
        }

        Interlocked.Increment(ref _counters.Operations);
        return server.ExecuteAsync("WAIT", _waitArguments);
    }

    public bool ReadsCanPark => true;

    public RedisLocationOptions Options => _options;

    /// <summary>True while a connection to (every primary of) the server is up.</summary>
    public bool IsConnected => _connection.IsConnected;

    internal ConnectionMultiplexer Connection => _connection;

    internal RedisStoreCounters Counters => _counters;

    public RecoveryReport Recovery => RecoveryReport.Empty;

    public ILocationSession NewSession() => new RedisLocationSession(this, _connection.GetDatabase(), _prefix);

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
            CachedbNotReplicated = _counters.NotReplicated };
    }

    public void Dispose() => _connection.Dispose();

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
