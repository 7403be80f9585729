using System.Buffers.Binary;
using Hyperproxy.Location.Records;
using StackExchange.Redis;

namespace Hyperproxy.Location.Redis;

/// <summary>
/// A worker's handle on the Redis store. Read is one <c>GET</c>; Update is a <c>GET</c>, the updater run
/// locally, and one compare-and-set script (<see cref="RedisScripts.CompareAndSet"/>), repeated on the
/// record the script answers when another node changed the AoR in between (at most
/// <see cref="RedisLocationOptions.MaxAttempts"/> times). When the connection is down every call fails at once
/// without waiting; a timeout or a server error fails the call after <c>query_timeout</c>. Errors are
/// counted, never thrown.
/// <para>These synchronous calls wait for their answer on the calling thread (one round trip for a read, two for a
/// save) through StackExchange.Redis, which allocates a few small objects per call; the parked ones
/// (<see cref="IFetchingSession"/>) go on the session's own connection when the store has one (Native partial).</para>
/// </summary>
internal sealed partial class RedisLocationSession : ILocationSession, IFetchingSession
{
    private static readonly RedisValue s_absent = "0";
    private static readonly RedisValue s_present = "1";
    private static readonly RedisValue s_delete = "D";

    private readonly RedisLocationStore _store;
    private readonly IDatabase _database;

    /// <summary>Where the compare-and-set scripts (and WAITs) go: <see cref="_database"/>'s connection, or with
    /// durability sync a connection of their own (<see cref="RedisLocationStore.Writes"/>).</summary>
    private readonly IDatabase _writeDatabase;
    private readonly byte[] _prefix;
    private readonly RedisKey[] _keys = new RedisKey[1];
    private readonly RedisValue[] _arguments = new RedisValue[4];
    private readonly byte[] _scratch = new byte[MaxRecordBytes];
    private readonly byte[][] _keyPool = new byte[64][];
    private int _keyPoolCount;

    /// <summary>Largest record an updater may write, as <see cref="LocationStoreOptions.MaxRecordBytes"/> in the embedded store.</summary>
    public const int MaxRecordBytes = 32 * 1024;

    public RedisLocationSession(RedisLocationStore store, IDatabase database, IDatabase writes, byte[] prefix)
    {
        _store = store;
        _database = database;
        _writeDatabase = writes;
        _prefix = prefix;
    }

    public ReadStatus Read(ReadOnlySpan<byte> aor, Span<byte> buffer, out int length)
    {
        length = 0;
        if (aor.IsEmpty)
        {
            return ReadStatus.NotFound;
        }

        byte[] key = KeyFor(aor, []);
        if (!TryGet(key, out RedisValue value))
        {
            return ReadStatus.Failed;
        }

        ReturnKey(key);

        if (value.IsNull)
        {
            return ReadStatus.NotFound;
        }

        ReadOnlyMemory<byte> bytes = (ReadOnlyMemory<byte>)value;
        length = bytes.Length;
        if (bytes.Length > buffer.Length)
        {
            return ReadStatus.BufferTooSmall;
        }

        bytes.Span.CopyTo(buffer);
        return ReadStatus.Found;
    }

    public UpdateStatus Update<TUpdater>(ReadOnlySpan<byte> aor, ref TUpdater updater, out CommitTicket ticket)
        where TUpdater : struct, ILocationUpdater, allows ref struct
    {
        ticket = CommitTicket.None;
        if (aor.IsEmpty)
        {
            return UpdateStatus.Failed;
        }

        byte[] key = KeyBytes(aor);
        if (!TryGet(key, out RedisValue current))
        {
            return UpdateStatus.Failed;
        }

        int attempts = _store.Options.MaxAttempts;
        for (int attempt = 0; attempt < attempts; attempt++)
        {
            ReadOnlyMemory<byte> record = current.IsNull ? default : (ReadOnlyMemory<byte>)current;
            UpdateDecision decision = updater.Update(record.Span, _scratch, out int length);
            RedisValue ttl;
            RedisValue written;
            switch (decision)
            {
                case UpdateDecision.Keep:
                    return UpdateStatus.Unchanged;
                case UpdateDecision.Delete:
                    if (current.IsNull)
                    {
                        return UpdateStatus.Unchanged;
                    }

                    ttl = s_delete;
                    written = RedisValue.EmptyString;
                    break;
                default:
                    if ((uint)length > (uint)_scratch.Length)
                    {
                        return UpdateStatus.BadLength;
                    }

                    byte[] copy = _scratch.AsSpan(0, length).ToArray();
                    ttl = TimeToLive(copy, _store.Options.Clock.UnixSeconds);
                    written = copy;
                    break;
            }

            _keys[0] = key;
            _arguments[0] = current.IsNull ? s_absent : s_present;
            _arguments[1] = current.IsNull ? RedisValue.EmptyString : current;
            _arguments[2] = written;
            _arguments[3] = ttl;
            if (!TryEvaluate(out RedisResult result))
            {
                return UpdateStatus.Failed;
            }

            if (result.Resp2Type == ResultType.Integer && (long)result == 1)
            {
                if (!TryWaitForReplica(key))
                {
                    return Fail();
                }

                return decision == UpdateDecision.Delete ? UpdateStatus.Deleted : UpdateStatus.Written;
            }

            // Another node changed the AoR since it was read: run the update again on what it is now, after
            // a spin that grows with each loss (at most ~1k iterations) so that racing writers spread out.
            Interlocked.Increment(ref _store.Counters.Conflicts);
            Thread.SpinWait(1 << Math.Min(attempt + 2, 10));
            current = result.Resp2Type == ResultType.BulkString ? (RedisValue)result : RedisValue.Null;
        }

        Interlocked.Increment(ref _store.Counters.Failures);
        _store.Options.Log($"location store: gave up updating an AoR after {attempts} conflicting writes by other nodes");
        return UpdateStatus.Failed;
    }

    public UpdateStatus Delete(ReadOnlySpan<byte> aor, out CommitTicket ticket)
    {
        ticket = CommitTicket.None;
        if (aor.IsEmpty)
        {
            return UpdateStatus.Unchanged;
        }

        if (!_store.IsConnected)
        {
            return Fail();
        }

        try
        {
            Interlocked.Increment(ref _store.Counters.Operations);
            Interlocked.Increment(ref _store.Counters.RoundTrips);
            byte[] key = KeyBytes(aor);
            if (!_writeDatabase.KeyDelete(key))
            {
                return UpdateStatus.Unchanged;
            }

            return TryWaitForReplica(key) ? UpdateStatus.Deleted : Fail();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return Fail();
        }
    }

    public void Dispose() => DisposeOwnClient();

    /// <summary>
    /// The key's time-to-live in ms: until the latest binding expires ("0" when one is permanent). A record
    /// whose bindings have all expired is given 1 ms (the updater should have deleted it instead).
    /// </summary>
    internal static RedisValue TimeToLive(ReadOnlySpan<byte> record, long now) => TimeToLiveMs(record, now);

    /// <summary>As <see cref="TimeToLive"/>, as a number (0: no expiry).</summary>
    internal static long TimeToLiveMs(ReadOnlySpan<byte> record, long now)
    {
        if (LocationRecord.TryOpen(record, out LocationRecordReader reader) != RecordError.None)
        {
            return 0;
        }

        long latest = 0;
        foreach (ContactView c in reader.GetAllContacts())
        {
            if (c.Expires == 0)
            {
                return 0;
            }

            latest = Math.Max(latest, c.Expires);
        }

        return latest == 0 ? 0 : Math.Max(1, (latest - now) * 1000);
    }

    private byte[] KeyBytes(ReadOnlySpan<byte> aor) => KeyFor(aor, []);

    /// <summary>
    /// <c>PREFIX{AOR}</c> in an array of exactly its length (what RedisKey takes): <paramref name="reuse"/> when
    /// it has that length, else one from the pool of arrays whose commands have completed, else a new one.
    /// </summary>
    private byte[] KeyFor(ReadOnlySpan<byte> aor, byte[] reuse)
    {
        int length = _prefix.Length + aor.Length + 2;
        byte[] key = reuse;
        if (key.Length != length)
        {
            if (key.Length > 0)
            {
                ReturnKey(key);
            }

            key = TakeKey(length) ?? new byte[length];
        }

        _prefix.CopyTo(key, 0);
        key[_prefix.Length] = (byte)'{';
        aor.CopyTo(key.AsSpan(_prefix.Length + 1));
        key[^1] = (byte)'}';
        return key;
    }

    private byte[]? TakeKey(int length)
    {
        for (int i = _keyPoolCount - 1; i >= 0; i--)
        {
            byte[] key = _keyPool[i];
            if (key.Length == length)
            {
                _keyPool[i] = _keyPool[--_keyPoolCount];
                _keyPool[_keyPoolCount] = null!;
                return key;
            }
        }

        return null;
    }

    private void ReturnKey(byte[] key)
    {
        if (key.Length > 0 && _keyPoolCount < _keyPool.Length)
        {
            _keyPool[_keyPoolCount++] = key;
        }
    }

    private bool TryGet(RedisKey key, out RedisValue value)
    {
        value = RedisValue.Null;
        if (!_store.IsConnected)
        {
            Fail();
            return false;
        }

        try
        {
            Interlocked.Increment(ref _store.Counters.Operations);
            Interlocked.Increment(ref _store.Counters.RoundTrips);
            value = _database.StringGet(key);
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Fail();
            return false;
        }
    }

    /// <summary>Durability sync: WAIT on the calling thread for a replica to have the write just made (true when off).</summary>
    private bool TryWaitForReplica(byte[] key)
    {
        try
        {
            return _store.WaitForReplica(_writeDatabase, key);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return false;
        }
    }

    private bool TryEvaluate(out RedisResult result)
    {
        result = RedisResult.Create(RedisValue.Null);
        try
        {
            Interlocked.Increment(ref _store.Counters.Operations);
            Interlocked.Increment(ref _store.Counters.RoundTrips);
            result = _store.EvaluateCompareAndSet(_writeDatabase, _keys, _arguments);
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Fail();
            return false;
        }
    }

    private UpdateStatus Fail()
    {
        Interlocked.Increment(ref _store.Counters.Failures);
        return UpdateStatus.Failed;
    }
}
