using FASTER.core;
using Hyperproxy.Location.Wal;
using Hyperproxy.Location.Records;

namespace Hyperproxy.Location.Faster;

/// <summary>
/// FASTER callbacks of one session. Reads copy the value into the caller's buffer (<see cref="ReadOutput"/>);
/// RMWs run the caller's updater (a function pointer set for the duration of one operation) into the
/// session's pinned scratch buffer, then copy the result into the record. While FASTER holds the record
/// lock the after-image is framed into the session's WAL writer (sync mode) with a store-wide sequence
/// number, so replay order equals update order per AoR.
/// </summary>
internal sealed unsafe class LocationFunctions : SpanByteFunctions<SpanByte, ReadOutput, Empty>
{
    private readonly byte[] _scratch;
    private readonly byte* _scratchPointer;
    private readonly WalWriter? _wal;

    private delegate*<void*, ReadOnlySpan<byte>, Span<byte>, out int, UpdateDecision> _updateFunction;
    private void* _updaterState;
    private UpdateDecision _decision;
    private int _newLength;
    private int _oldContacts;
    private bool _applied;
    private bool _badLength;
    private long _walAddress;

    /// <summary>This session's WAL writer (sync mode), else null.</summary>
    public WalWriter? Wal => _wal;

    public long AorDelta;
    public long ContactDelta;
    public bool WalEnabled;
    public ReadOutput PendingReadOutput;
    public Status PendingStatus;
    public RecordMetadata PendingMetadata;

    public LocationFunctions(int maxRecordBytes, WalWriter? wal)
    {
        _scratch = GC.AllocateUninitializedArray<byte>(maxRecordBytes, pinned: true);
        _scratchPointer = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _scratch[0]);
        _wal = wal;
        WalEnabled = wal != null;
    }

    /// <summary>Value length the next new record needs (the tombstone of a delete gets a minimal one).</summary>
    public int NewValueLength => _decision == UpdateDecision.Write ? _newLength : 8;

    public void BeginUpdate(delegate*<void*, ReadOnlySpan<byte>, Span<byte>, out int, UpdateDecision> function, void* state)
    {
        _updateFunction = function;
        _updaterState = state;
        _decision = UpdateDecision.Keep;
        _applied = false;
        _badLength = false;
        _walAddress = 0;
    }

    public UpdateStatus EndUpdate(out long walAddress)
    {
        _updateFunction = null;
        _updaterState = null;
        walAddress = _walAddress;
        if (_badLength)
            return UpdateStatus.BadLength;
        if (!_applied)
            return UpdateStatus.Unchanged;
        return _decision == UpdateDecision.Delete ? UpdateStatus.Deleted : UpdateStatus.Written;
    }

    public override bool SingleReader(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref ReadOutput dst, ref ReadInfo readInfo)
        => CopyOut(ref value, ref dst);

    public override bool ConcurrentReader(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref ReadOutput dst, ref ReadInfo readInfo)
        => CopyOut(ref value, ref dst);

    public override void ReadCompletionCallback(ref SpanByte key, ref SpanByte input, ref ReadOutput output, Empty ctx, Status status, RecordMetadata recordMetadata)
    {
        PendingReadOutput = output;
        PendingStatus = status;
        PendingMetadata = recordMetadata;
    }

    public override bool NeedInitialUpdate(ref SpanByte key, ref SpanByte input, ref ReadOutput output, ref RMWInfo rmwInfo)
        => Compute(default) == UpdateDecision.Write;

    public override bool InitialUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref ReadOutput output, ref RMWInfo rmwInfo)
        => CopyIn(ref value);

    public override void PostInitialUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref ReadOutput output, ref RMWInfo rmwInfo)
    {
        _applied = true;
        AorDelta++;
        ContactDelta += LocationRecord.PeekContactCount(value.AsReadOnlySpan());
        Log(WalEntry.Put, ref key, value.AsReadOnlySpan());
    }

    public override bool InPlaceUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref ReadOutput output, ref RMWInfo rmwInfo)
    {
        UpdateDecision decision = Compute(value.AsReadOnlySpan());
        if (decision == UpdateDecision.Keep)
            return true;
        if (decision == UpdateDecision.Delete)
        {
            _applied = true;
            AorDelta--;
            ContactDelta -= _oldContacts;
            Log(WalEntry.Remove, ref key, default);
            rmwInfo.Action = RMWAction.ExpireAndStop;
            return false;
        }
        if (_newLength > value.Length)
            return false;
        CopyIn(ref value);
        _applied = true;
        ContactDelta += LocationRecord.PeekContactCount(value.AsReadOnlySpan()) - _oldContacts;
        Log(WalEntry.Put, ref key, value.AsReadOnlySpan());
        return true;
    }

    public override bool NeedCopyUpdate(ref SpanByte key, ref SpanByte input, ref SpanByte oldValue, ref ReadOutput output, ref RMWInfo rmwInfo)
        => Compute(oldValue.AsReadOnlySpan()) != UpdateDecision.Keep;

    public override bool CopyUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte oldValue, ref SpanByte newValue, ref ReadOutput output, ref RMWInfo rmwInfo)
    {
        // An in-place attempt may have failed for want of space; the result computed then is still current
        // (the record lock is held), so only the copy remains.
        if (_decision == UpdateDecision.Delete)
        {
            rmwInfo.Action = RMWAction.ExpireAndStop;
            return false;
        }
        return CopyIn(ref newValue);
    }

    public override void PostCopyUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte oldValue, ref SpanByte newValue, ref ReadOutput output, ref RMWInfo rmwInfo)
    {
        _applied = true;
        if (_decision == UpdateDecision.Delete)
        {
            AorDelta--;
            ContactDelta -= _oldContacts;
            Log(WalEntry.Remove, ref key, default);
            return;
        }
        ContactDelta += LocationRecord.PeekContactCount(newValue.AsReadOnlySpan()) - _oldContacts;
        Log(WalEntry.Put, ref key, newValue.AsReadOnlySpan());
    }

    private UpdateDecision Compute(ReadOnlySpan<byte> current)
    {
        _oldContacts = LocationRecord.PeekContactCount(current);
        UpdateDecision decision = _updateFunction(_updaterState, current, new Span<byte>(_scratchPointer, _scratch.Length), out int length);
        if (decision == UpdateDecision.Write && (length < LocationRecord.HeaderSize || length > _scratch.Length))
        {
            _badLength = true;
            decision = UpdateDecision.Keep;
        }
        _decision = decision;
        _newLength = length;
        return decision;
    }

    private bool CopyIn(ref SpanByte value)
    {
        if (_decision != UpdateDecision.Write || _newLength > value.Length)
            return false;
        new ReadOnlySpan<byte>(_scratchPointer, _newLength).CopyTo(value.AsSpan());
        value.ShrinkSerializedLength(_newLength);
        return true;
    }

    private void Log(byte op, ref SpanByte key, ReadOnlySpan<byte> record)
    {
        if (!WalEnabled || _wal is null)
            return;
        _walAddress = _wal.Append(op, key.AsReadOnlySpan(), record);
    }

    private static bool CopyOut(ref SpanByte value, ref ReadOutput dst)
    {
        int length = value.Length;
        dst.Length = length;
        if (length > dst.Capacity)
        {
            dst.TooSmall = true;
            return true;
        }
        dst.TooSmall = false;
        value.AsReadOnlySpan().CopyTo(new Span<byte>(dst.Buffer, dst.Capacity));
        return true;
    }
}
