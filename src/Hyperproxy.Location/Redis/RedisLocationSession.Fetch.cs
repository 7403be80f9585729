using System.Diagnostics;
using StackExchange.Redis;

namespace Hyperproxy.Location.Redis;

/// <summary>
/// Reads that do not hold up the worker (<see cref="IFetchingSession"/>): a fetch is an asynchronous
/// <c>GET</c>, pipelined with the others (none waits for another's answer), so the fetches a worker starts
/// in one receive batch cost about one round trip. At most <see cref="MaxFetches"/> at once.
/// </summary>
internal sealed partial class RedisLocationSession
{
    /// <summary>Fetches one session keeps at once; past that, reads are synchronous.</summary>
    public const int MaxFetches = 256;

    private readonly Fetch[] _fetches = new Fetch[MaxFetches];
    private int _fetchCount;

    private struct Fetch
    {
        public byte[] Key;
        public Task<RedisValue>? Task;

        /// <summary>The answer when the fetch went on the session's own connection (then <see cref="Task"/> is null).</summary>
        public FetchSlot? Own;
        public long Started;
        public bool Failed;

        /// <summary>Answered at the last <see cref="SnapshotAnswers"/>: handed out to the requests parked then, and
        /// dropped (<see cref="ForgetAnswers"/>) once they have all run again.</summary>
        public bool Seen;

        public readonly bool Done => Failed || (Own is not null ? Own.Done : Task is null || Task.IsCompleted);
    }

    public int Fetches => _fetchCount;

    public TimeSpan FetchTimeout => _store.Options.QueryTimeout;

    public bool HasAnswers
    {
        get
        {
            Flush();
            if (HasWriteAnswers)
            {
                return true;
            }

            for (int i = 0; i < _fetchCount; i++)
            {
                if (_fetches[i].Done && !_fetches[i].Seen)
                {
                    return true;
                }
            }

            return false;
        }
    }

    public void SnapshotAnswers()
    {
        for (int i = 0; i < _fetchCount; i++)
        {
            if (_fetches[i].Done)
            {
                _fetches[i].Seen = true;
            }
        }

        SnapshotWrites();
    }

    public ReadStatus ReadOrFetch(ReadOnlySpan<byte> aor, Span<byte> buffer, out int length)
    {
        length = 0;
        if (aor.IsEmpty)
        {
            return ReadStatus.NotFound;
        }

        int index = FindFetch(aor);
        if (index >= 0 && _fetches[index].Done && Stopwatch.GetTimestamp() - _fetches[index].Started > 2 * TimeoutTicks)
        {
            // An answer nobody took while it was fresh (its request was answered another way, or failed before any pass
            // snapshotted it): left, it would answer every later request for the AoR — a failure from a failover
            // forever. Past twice the timeout it is dropped and fetched again.
            DropFetch(index);
            index = -1;
        }

        if (index >= 0)
        {
            ref Fetch f = ref _fetches[index];
            if (!f.Done)
            {
                return ReadStatus.Pending;
            }

            if (f.Own is { } own)
            {
                if (f.Failed || own.Failed)
                {
                    Interlocked.Increment(ref _store.Counters.Failures);
                    return ReadStatus.Failed;
                }

                return CopyOut(own, buffer, out length);
            }

            if (f.Failed || f.Task is null || !f.Task.IsCompletedSuccessfully)
            {
                _ = f.Task?.Exception; // observed: a failed fetch is counted, not rethrown on the finalizer
                Interlocked.Increment(ref _store.Counters.Failures);
                return ReadStatus.Failed;
            }

            return CopyOut(f.Task.Result, buffer, out length);
        }

        if (_fetchCount == MaxFetches)
        {
            return Read(aor, buffer, out length);
        }

        if (OwnClient)
        {
            byte[] ownKey = KeyFor(aor, []);
            FetchSlot? slot = StartOwnFetch(ownKey);
            if (slot is null)
            {
                ReturnKey(ownKey);
                Interlocked.Increment(ref _store.Counters.Failures);
                return ReadStatus.Failed; // not connected: fail at once
            }

            Interlocked.Increment(ref _store.Counters.Operations);
            _fetches[_fetchCount++] = new Fetch { Key = ownKey, Own = slot, Started = Stopwatch.GetTimestamp() };
            return ReadStatus.Pending;
        }

        if (!_store.IsConnected)
        {
            Interlocked.Increment(ref _store.Counters.Failures);
            return ReadStatus.Failed;
        }

        byte[] key = KeyFor(aor, []);
        Interlocked.Increment(ref _store.Counters.Operations);
        Task<RedisValue> get = _database.StringGetAsync(key);
        _fetches[_fetchCount++] = new Fetch { Key = key, Task = get, Started = Stopwatch.GetTimestamp() };
        CountFlight(get);
        return ReadStatus.Pending;
    }

    public void FailFetchesStartedBefore(long stopwatchTimestamp)
    {
        // On the session's own connection a command older than the timeout closes it: every command in flight fails
        // (the fetches and writes waiting on it are answered "failed" by the connection, never left to a late reply).
        FailOwnOlderThan(stopwatchTimestamp);
        for (int i = 0; i < _fetchCount; i++)
        {
            ref Fetch f = ref _fetches[i];
            if (f.Own is null && !f.Done && f.Started < stopwatchTimestamp)
            {
                f.Failed = true;
            }
        }

        FailWritesStartedBefore(stopwatchTimestamp);
    }

    public void ForgetAnswers()
    {
        int kept = 0;
        for (int i = 0; i < _fetchCount; i++)
        {
            if (_fetches[i].Seen)
            {
                Release(_fetches[i]);
                continue;
            }

            _fetches[kept++] = _fetches[i];
        }

        Array.Clear(_fetches, kept, _fetchCount - kept);
        _fetchCount = kept;
        ForgetWrites();
    }

    /// <summary>The store's query timeout in <see cref="Stopwatch"/> ticks.</summary>
    private long TimeoutTicks => (long)(_store.Options.QueryTimeout.TotalSeconds * Stopwatch.Frequency);

    private void DropFetch(int index)
    {
        Release(_fetches[index]);
        _fetches[index] = _fetches[--_fetchCount];
        _fetches[_fetchCount] = default;
    }

    /// <summary>A fetch let go: its failure observed (counted, not rethrown on the finalizer), its key array back once sent.</summary>
    private void Release(in Fetch fetch)
    {
        if (fetch.Own is { } own)
        {
            ReturnKey(fetch.Key); // copied into the connection's buffer when sent
            ReturnFetchSlot(own);
            return;
        }

        _ = fetch.Task?.Exception;
        if (fetch.Task is { IsCompleted: true })
        {
            ReturnKey(fetch.Key); // the client has sent it: the array can name another AoR
        }
    }

    private int FindFetch(ReadOnlySpan<byte> aor)
    {
        int keyLength = _prefix.Length + aor.Length + 2;
        for (int i = 0; i < _fetchCount; i++)
        {
            byte[] key = _fetches[i].Key;
            if (key.Length == keyLength && key.AsSpan(_prefix.Length + 1, aor.Length).SequenceEqual(aor))
            {
                return i;
            }
        }

        return -1;
    }

    private static ReadStatus CopyOut(FetchSlot answer, Span<byte> buffer, out int length)
    {
        length = 0;
        if (!answer.Exists)
        {
            return ReadStatus.NotFound;
        }

        length = answer.Length;
        if (answer.Length > buffer.Length)
        {
            return ReadStatus.BufferTooSmall;
        }

        answer.Value.AsSpan(0, answer.Length).CopyTo(buffer);
        return ReadStatus.Found;
    }

    private static ReadStatus CopyOut(RedisValue value, Span<byte> buffer, out int length)
    {
        length = 0;
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
}
