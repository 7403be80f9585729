using System.Diagnostics;
using StackExchange.Redis;

namespace Hyperproxy.Location.Redis;

/// <summary>
/// Saves that do not hold up the worker (<see cref="IFetchingSession.UpdateOrStart"/>). A save is two steps,
/// each sent without waiting and pipelined with everything else the worker sends in its turn: the record is
/// fetched (the fetches of <see cref="RedisLocationSession"/>'s read side, shared with lookups), then the
/// updater runs on it here and the compare-and-set script goes out (<c>EVALSHA</c>). With durability sync a
/// <c>WAIT 1 timeout</c> follows the script on the same connection, and the write counts only once a replica
/// has it. The request is parked meanwhile and runs again when an answer is in; its write is found by the
/// request's name (Call-ID and CSeq) and the AoR. A slot keeps its buffers (key, record read, record
/// written, the script's argument arrays) for the next write, so a save allocates only what the client
/// allocates per command (its message, task and result). A save of an AoR this session wrote lately skips the
/// fetch: the record it wrote is the script's expected one (<see cref="RedisKnownRecords"/>), and only an update
/// that writes may start from it (a decision to keep the record, or to delete one known absent, is made again on the
/// record fetched).
/// </summary>
internal sealed partial class RedisLocationSession
{
    /// <summary>Saves one session keeps in flight at once; past that, saves are synchronous.</summary>
    public const int MaxWrites = 256;

    private const int MaxRequestName = 300;

    private readonly WriteSlot?[] _writes = new WriteSlot?[MaxWrites];
    private int _writeCount;
    private byte[]? _current;
    private Task? _flightLeader;
    private RedisKnownRecords? _known;

    private sealed class WriteSlot : Resp.RespWaiter
    {
        public WriteSlot(RedisLocationSession owner) => Owner = owner;

        public readonly RedisLocationSession Owner;
        public byte[] Key = [];
        public readonly byte[] Request = new byte[MaxRequestName];
        public int RequestLength;
        public byte[] Expected = new byte[1024];
        public int ExpectedLength;
        public bool ExpectedExists;
        public byte[] Written = new byte[1024];
        public int WrittenLength;
        public long TimeToLiveMs;
        public UpdateDecision Decision;
        public int Note;
        public int Attempts;
        public long Started;
        public bool Failed;
        public bool Taken;
        public bool Seen;

        /// <summary>The expected record came from <see cref="RedisKnownRecords"/>, not from Redis (until the first answer).</summary>
        public bool FromKnown;
        public Task<RedisResult>? Script;
        public Task<RedisResult>? Wait;
        public readonly RedisKey[] Keys = new RedisKey[1];
        public readonly RedisValue[] Arguments = new RedisValue[4];

        /// <summary>Sent on the session's own connection (<see cref="OwnClient"/>): the answers below, not the tasks.</summary>
        public bool Own;
        public bool OwnWait;
        public int Outstanding;
        public int IgnoreWaits;
        public bool ScriptFailed;
        public Resp.RespType ScriptType;
        public long ScriptInteger;
        public byte[] ScriptRecord = [];
        public int ScriptRecordLength;
        public bool WaitAnswered;
        public long WaitInteger;

        public bool Done => Failed || (Own ? Outstanding == 0
            : (Script is null || Script.IsCompleted) && (Wait is null || Wait.IsCompleted));

        /// <summary>The script ran (whatever it answered): not failed, not an error.</summary>
        public bool ScriptOk => Own ? !ScriptFailed && ScriptType != Resp.RespType.Error : Script!.IsCompletedSuccessfully;

        /// <summary>The script answered 1: stored.</summary>
        public bool Stored => Own ? ScriptType == Resp.RespType.Integer && ScriptInteger == 1
            : Script!.Result.Resp2Type == ResultType.Integer && (long)Script.Result == 1;

        /// <summary>The script answered the record as it is now (another writer got there first): exists, and its bytes.</summary>
        public bool CurrentExists => Own ? ScriptType == Resp.RespType.Bulk
            : Script!.Result.Resp2Type == ResultType.BulkString && !Script.Result.IsNull;

        public ReadOnlySpan<byte> Current => Own ? ScriptRecord.AsSpan(0, ScriptRecordLength)
            : ((ReadOnlyMemory<byte>)(RedisValue)Script!.Result).Span;

        public bool HasWait => Own ? OwnWait : Wait is not null;

        public bool ReplicaHasIt => Own ? WaitAnswered && WaitInteger >= 1 : Replicated(Wait!);

        public void ObserveFailures()
        {
            _ = Script?.Exception;
            _ = Wait?.Exception;
        }

        public override void OnReply(int kind, in Resp.RespReply reply)
        {
            Outstanding--;
            if (kind == KindWait)
            {
                if (IgnoreWaits > 0)
                {
                    IgnoreWaits--;
                    return;
                }

                WaitAnswered = reply.Type == Resp.RespType.Integer;
                WaitInteger = reply.Integer;
                return;
            }

            if (reply.IsError("NOSCRIPT"u8))
            {
                Owner.ResendFull(this);
                return;
            }

            if (reply.IsError("MOVED"u8) || reply.IsError("ASK"u8) || reply.IsError("CLUSTERDOWN"u8))
            {
                Owner._store.RefuseOwnClient("the server answered as a Redis Cluster node");
            }

            ScriptType = reply.Type;
            ScriptInteger = reply.Integer;
            if (reply.Type == Resp.RespType.Bulk)
            {
                if (ScriptRecord.Length < reply.Bytes.Length)
                {
                    ScriptRecord = new byte[Math.Max(reply.Bytes.Length, Math.Max(1024, ScriptRecord.Length * 2))];
                }

                reply.Bytes.CopyTo(ScriptRecord);
                ScriptRecordLength = reply.Bytes.Length;
            }
        }

        public override void OnFailed(int kind)
        {
            Outstanding--;
            if (kind == KindScript)
            {
                ScriptFailed = true;
            }
        }
    }

    /// <summary>Round trips: a command sent while none of this session's earlier ones is waiting for its
    /// answer starts one (the answers come in order on one connection, so the first of a flight answers first).</summary>
    private void CountFlight(Task sent)
    {
        if (_flightLeader is null || _flightLeader.IsCompleted)
        {
            _flightLeader = sent;
            Interlocked.Increment(ref _store.Counters.RoundTrips);
        }
    }

    public UpdateStatus UpdateOrStart<TUpdater>(ReadOnlySpan<byte> aor, scoped ReadOnlySpan<byte> request, scoped ref TUpdater updater,
        out ReadOnlySpan<byte> stored, out int note)
        where TUpdater : struct, IParkedUpdater, allows ref struct
    {
        stored = default;
        note = 0;
        if (aor.IsEmpty || request.Length > MaxRequestName)
        {
            return UpdateStatus.Failed;
        }

        int index = FindWrite(aor, request);
        if (index >= 0)
        {
            WriteSlot w = _writes[index]!;
            if (!w.Done)
            {
                return UpdateStatus.Pending;
            }

            return TakeAnswer(w, ref updater, out stored, out note);
        }

        if (_writeCount == MaxWrites)
        {
            // No slot: this save waits on the worker (as a save did before parking), rather than being refused.
            note = 0;
            UpdateStatus status = Update(aor, ref updater, out _);
            note = updater.Note;
            return status;
        }

        _known ??= new RedisKnownRecords();
        if (_known.TryGet(aor, out bool knownExists, out ReadOnlySpan<byte> knownRecord))
        {
            WriteSlot fast = NewSlot(aor, request);
            SetExpected(fast, knownExists, knownRecord);
            fast.FromKnown = true;
            UpdateStatus sent = Start(fast, ref updater);
            if (sent == UpdateStatus.Pending)
            {
                Interlocked.Increment(ref _store.Counters.KnownSaves);
                _writeCount++;
                note = updater.Note;
                return sent;
            }

            // Nothing to write on what this session last wrote: that holds only for the record Redis has now.
            _known.Forget(aor);
        }

        _current ??= new byte[MaxRecordBytes];
        ReadStatus read = ReadOrFetch(aor, _current, out int length);
        switch (read)
        {
            case ReadStatus.Pending:
                return UpdateStatus.Pending;
            case ReadStatus.Found:
            case ReadStatus.NotFound:
                break;
            default:
                return UpdateStatus.Failed;
        }

        WriteSlot slot = NewSlot(aor, request);
        SetExpected(slot, read == ReadStatus.Found, _current.AsSpan(0, read == ReadStatus.Found ? length : 0));
        UpdateStatus started = Start(slot, ref updater);
        if (started == UpdateStatus.Pending)
        {
            _writeCount++;
        }

        note = updater.Note;
        return started;
    }

    /// <summary>The next free slot, named for this save (it counts as taken once <see cref="_writeCount"/> covers it).</summary>
    private WriteSlot NewSlot(ReadOnlySpan<byte> aor, ReadOnlySpan<byte> request)
    {
        WriteSlot slot = _writes[_writeCount] ??= new WriteSlot(this);
        slot.Key = KeyFor(aor, slot.Key);
        request.CopyTo(slot.Request);
        slot.RequestLength = request.Length;
        slot.Attempts = 0;
        slot.Taken = false;
        slot.Failed = false;
        slot.FromKnown = false;
        slot.Script = null;
        slot.Wait = null;
        slot.Own = false;
        slot.Outstanding = 0;
        slot.IgnoreWaits = 0;
        return slot;
    }

    private ReadOnlySpan<byte> AorOf(WriteSlot w) => w.Key.AsSpan(_prefix.Length + 1, w.Key.Length - _prefix.Length - 2);

    /// <summary>The answer of a finished write: stored, lost to another writer (run again on what is there now), or failed.</summary>
    private UpdateStatus TakeAnswer<TUpdater>(WriteSlot w, scoped ref TUpdater updater, out ReadOnlySpan<byte> stored, out int note)
        where TUpdater : struct, IParkedUpdater, allows ref struct
    {
        stored = default;
        note = w.Note;
        w.Taken = true;
        if (w.Failed || !w.ScriptOk)
        {
            w.ObserveFailures();
            Interlocked.Increment(ref _store.Counters.Failures);
            _known?.Forget(AorOf(w)); // it may or may not have been stored
            return UpdateStatus.Failed;
        }

        if (w.Stored)
        {
            bool deleted = w.Decision == UpdateDecision.Delete;
            stored = w.Written.AsSpan(0, w.WrittenLength);
            _known?.Set(AorOf(w), !deleted, stored);
            if (w.HasWait && !w.ReplicaHasIt)
            {
                w.ObserveFailures();
                Interlocked.Increment(ref _store.Counters.Failures);
                Interlocked.Increment(ref _store.Counters.NotReplicated);
                stored = default;
                return UpdateStatus.Failed;
            }

            return deleted ? UpdateStatus.Deleted : UpdateStatus.Written;
        }

        w.ObserveFailures();
        if (w.FromKnown)
        {
            // What this session wrote last is not there any more (another node or worker wrote it, or it expired): not a
            // race lost, the fetch this save skipped.
            w.FromKnown = false;
            Interlocked.Increment(ref _store.Counters.KnownStale);
        }
        else
        {
            Interlocked.Increment(ref _store.Counters.Conflicts);
            if (++w.Attempts >= _store.Options.MaxAttempts)
            {
                Interlocked.Increment(ref _store.Counters.Failures);
                _store.Options.Log($"location store: gave up updating an AoR after {w.Attempts} conflicting writes by other nodes");
                return UpdateStatus.Failed;
            }
        }

        // Another node changed the AoR since it was read: run the update again on what it is now.
        bool exists = w.CurrentExists;
        SetExpected(w, exists, exists ? w.Current : default);
        w.Taken = false;
        w.Failed = false;
        UpdateStatus status = Start(w, ref updater);
        note = updater.Note;
        if (status != UpdateStatus.Pending)
        {
            w.Taken = true; // nothing to send after all (the update keeps the record): the slot is free
        }

        return status;
    }

    private static bool Replicated(Task<RedisResult> wait) =>
        wait.IsCompletedSuccessfully && wait.Result.Resp2Type == ResultType.Integer && (long)wait.Result >= 1;

    /// <summary>Runs the updater on the slot's expected record and sends the compare-and-set (and WAIT).</summary>
    private UpdateStatus Start<TUpdater>(WriteSlot slot, scoped ref TUpdater updater)
        where TUpdater : struct, IParkedUpdater, allows ref struct
    {
        ReadOnlySpan<byte> current = slot.ExpectedExists ? slot.Expected.AsSpan(0, slot.ExpectedLength) : default;
        UpdateDecision decision = updater.Update(current, _scratch, out int length);
        slot.Note = updater.Note;
        slot.Decision = decision;
        switch (decision)
        {
            case UpdateDecision.Keep:
                return UpdateStatus.Unchanged;
            case UpdateDecision.Delete:
                if (!slot.ExpectedExists)
                {
                    return UpdateStatus.Unchanged;
                }

                slot.WrittenLength = 0;
                slot.TimeToLiveMs = 0;
                break;
            default:
                if ((uint)length > (uint)_scratch.Length)
                {
                    return UpdateStatus.BadLength;
                }

                if (slot.Written.Length < length)
                {
                    slot.Written = new byte[Math.Max(length, slot.Written.Length * 2)];
                }

                _scratch.AsSpan(0, length).CopyTo(slot.Written);
                slot.WrittenLength = length;
                slot.TimeToLiveMs = TimeToLiveMs(slot.Written.AsSpan(0, length), _store.Options.Clock.UnixSeconds);
                break;
        }

        if (OwnClient)
        {
            slot.Started = Stopwatch.GetTimestamp();
            slot.Seen = false;
            slot.Own = true;
            slot.OwnWait = _store.Options.WaitForReplica;
            slot.Outstanding = 0;
            slot.IgnoreWaits = 0;
            slot.ScriptFailed = false;
            slot.ScriptType = Resp.RespType.Null;
            slot.ScriptInteger = 0;
            slot.ScriptRecordLength = 0;
            slot.WaitAnswered = false;
            slot.WaitInteger = 0;
            if (!SendOwnScript(slot, full: false))
            {
                Interlocked.Increment(ref _store.Counters.Failures);
                return UpdateStatus.Failed;
            }

            return UpdateStatus.Pending;
        }

        slot.Own = false;
        if (!_store.IsConnected)
        {
            Interlocked.Increment(ref _store.Counters.Failures);
            return UpdateStatus.Failed;
        }

        slot.Keys[0] = slot.Key;
        slot.Arguments[0] = slot.ExpectedExists ? s_present : s_absent;
        slot.Arguments[1] = new ReadOnlyMemory<byte>(slot.Expected, 0, slot.ExpectedExists ? slot.ExpectedLength : 0);
        slot.Arguments[2] = new ReadOnlyMemory<byte>(slot.Written, 0, slot.WrittenLength);
        slot.Arguments[3] = decision == UpdateDecision.Delete ? s_delete : slot.TimeToLiveMs;
        slot.Started = Stopwatch.GetTimestamp();
        slot.Seen = false;
        try
        {
            Interlocked.Increment(ref _store.Counters.Operations);
            slot.Script = _store.EvaluateCompareAndSetAsync(_writeDatabase, slot.Keys, slot.Arguments);
            slot.Wait = _store.WaitForReplicaAsync(_writeDatabase, slot.Key);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Interlocked.Increment(ref _store.Counters.Failures);
            return UpdateStatus.Failed;
        }

        CountFlight(slot.Script);
        return UpdateStatus.Pending;
    }

    private static void SetExpected(WriteSlot slot, bool exists, ReadOnlySpan<byte> record)
    {
        slot.ExpectedExists = exists;
        if (slot.Expected.Length < record.Length)
        {
            slot.Expected = new byte[Math.Max(record.Length, slot.Expected.Length * 2)];
        }

        record.CopyTo(slot.Expected);
        slot.ExpectedLength = record.Length;
    }

    private int FindWrite(ReadOnlySpan<byte> aor, ReadOnlySpan<byte> request)
    {
        int keyLength = _prefix.Length + aor.Length + 2;
        for (int i = 0; i < _writeCount; i++)
        {
            WriteSlot w = _writes[i]!;
            if (w.Key.Length == keyLength && w.RequestLength == request.Length
                && w.Request.AsSpan(0, request.Length).SequenceEqual(request)
                && w.Key.AsSpan(_prefix.Length + 1, aor.Length).SequenceEqual(aor))
            {
                return i;
            }
        }

        return -1;
    }

    private bool HasWriteAnswers
    {
        get
        {
            for (int i = 0; i < _writeCount; i++)
            {
                WriteSlot w = _writes[i]!;
                if (!w.Taken && !w.Seen && w.Done)
                {
                    return true;
                }
            }

            return false;
        }
    }

    private void SnapshotWrites()
    {
        for (int i = 0; i < _writeCount; i++)
        {
            WriteSlot w = _writes[i]!;
            if (w.Done)
            {
                w.Seen = true;
            }
        }
    }

    private void FailWritesStartedBefore(long stopwatchTimestamp)
    {
        for (int i = 0; i < _writeCount; i++)
        {
            WriteSlot w = _writes[i]!;
            if (!w.Own && !w.Done && w.Started < stopwatchTimestamp)
            {
                w.Failed = true; // on the session's own connection a timeout closes it (FailOwnOlderThan) instead
            }
        }
    }

    /// <summary>Frees the slots whose answer was taken, and those nobody took within twice the timeout (their
    /// request is gone: dropped or routed elsewhere on its second run). A freed slot keeps its buffers.</summary>
    private void ForgetWrites()
    {
        long abandoned = Stopwatch.GetTimestamp() - 2 * TimeoutTicks;
        for (int i = 0; i < _writeCount;)
        {
            WriteSlot w = _writes[i]!;
            if (w.Taken || (w.Done && w.Started < abandoned))
            {
                _writeCount--;
                _writes[i] = _writes[_writeCount];
                if ((w.Script is null || w.Script.IsCompleted) && (w.Wait is null || w.Wait.IsCompleted))
                {
                    _ = w.Script?.Exception;
                    _ = w.Wait?.Exception;
                    w.Script = null;
                    w.Wait = null;
                    _writes[_writeCount] = w;
                }
                else
                {
                    // Timed out while the client may still send it: its buffers stay with it, the slot starts afresh.
                    _writes[_writeCount] = null;
                }

                continue;
            }

            i++;
        }
    }
}
