using System.Text;
using BenchmarkDotNet.Attributes;
using Hyperproxy.Location;
using Hyperproxy.Location.Redis;
using Hyperproxy.Tests.Shared;
using StackExchange.Redis;

namespace Hyperproxy.Bench.Location;

/// <summary>
/// How an atomic per-AoR save costs on a real redis-server started on loopback (one AoR per save, 64 AoRs
/// per invocation, one contact + two Path entries each):
/// <list type="bullet">
/// <item><c>LuaCompareAndSet</c>: what <see cref="RedisLocationStore"/> does — GET, the update run locally,
/// one EVALSHA that stores the record only if it is still the one read (2 round trips).</item>
/// <item><c>WatchMulti</c>: the same with StackExchange.Redis's transaction condition (WATCH + the condition's
/// GET, then MULTI / SET / EXEC: 3 round trips).</item>
/// <item><c>LuaPipelinedBatch</c>: the Lua way with the batch's 64 GETs sent at once and then its 64 scripts at
/// once (2 round trips per batch, not per save): what per-batch pipelining would buy a worker.</item>
/// </list>
/// Run: dotnet run -c Release -- --filter '*RedisCas*' (needs redis-server on PATH).
/// </summary>
[MemoryDiagnoser]
public class RedisCasBenchmarks
{
    private const int Batch = 64;
    private const long Now = 1_700_000_000;
    private RedisServer _redis = null!;
    private RedisLocationStore _store = null!;
    private ILocationSession _session = null!;
    private ConnectionMultiplexer _connection = null!;
    private IDatabase _database = null!;
    private byte[][] _aors = null!;
    private RedisKey[] _keys = null!;
    private readonly byte[] _scratch = new byte[32 * 1024];
    private uint _cseq;

    [GlobalSetup]
    public void Setup()
    {
        _redis = RedisServer.Start();
        RedisLocationUrl.TryParse(_redis.Url, out RedisLocationUrl? url, out _);
        _store = RedisLocationStore.Open(new RedisLocationOptions { Url = url! });
        _session = _store.NewSession();
        _connection = ConnectionMultiplexer.Connect($"127.0.0.1:{_redis.Port}");
        _database = _connection.GetDatabase();
        _aors = new byte[Batch][];
        _keys = new RedisKey[Batch];
        for (int i = 0; i < Batch; i++)
        {
            _aors[i] = Encoding.ASCII.GetBytes("user" + i + "@example.com");
            _keys[i] = "bench:{user" + i + "@example.com}";
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Dispose();
        _store.Dispose();
        _connection.Dispose();
        _redis.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public int LuaCompareAndSet()
    {
        int written = 0;
        var updater = new RegisterUpdater { Now = Now, CSeq = ++_cseq };
        for (int i = 0; i < Batch; i++)
        {
            written += _session.Update(_aors[i], ref updater, out _) == UpdateStatus.Written ? 1 : 0;
        }

        return written;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int WatchMulti()
    {
        int written = 0;
        var updater = new RegisterUpdater { Now = Now, CSeq = ++_cseq };
        for (int i = 0; i < Batch; i++)
        {
            for (int attempt = 0; attempt < 16; attempt++)
            {
                RedisValue current = _database.StringGet(_keys[i]);
                updater.Update(current.IsNull ? default : ((ReadOnlyMemory<byte>)current).Span, _scratch, out int length);
                ITransaction transaction = _database.CreateTransaction();
                transaction.AddCondition(current.IsNull ? Condition.KeyNotExists(_keys[i]) : Condition.StringEqual(_keys[i], current));
                _ = transaction.StringSetAsync(_keys[i], _scratch.AsSpan(0, length).ToArray(), TimeSpan.FromSeconds(3600));
                if (transaction.Execute())
                {
                    written++;
                    break;
                }
            }
        }

        return written;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int LuaPipelinedBatch()
    {
        var updater = new RegisterUpdater { Now = Now, CSeq = ++_cseq };
        var reads = new Task<RedisValue>[Batch];
        for (int i = 0; i < Batch; i++)
        {
            reads[i] = _database.StringGetAsync(_keys[i]);
        }

        var writes = new Task<RedisResult>[Batch];
        for (int i = 0; i < Batch; i++)
        {
            RedisValue current = reads[i].GetAwaiter().GetResult();
            updater.Update(current.IsNull ? default : ((ReadOnlyMemory<byte>)current).Span, _scratch, out int length);
            writes[i] = _database.ScriptEvaluateAsync(RedisScripts.CompareAndSet, [_keys[i]],
                [current.IsNull ? "0" : "1", current.IsNull ? RedisValue.EmptyString : current, _scratch.AsSpan(0, length).ToArray(), 3_600_000]);
        }

        int written = 0;
        for (int i = 0; i < Batch; i++)
        {
            written += (long)writes[i].GetAwaiter().GetResult() == 1 ? 1 : 0;
        }

        return written;
    }
}
