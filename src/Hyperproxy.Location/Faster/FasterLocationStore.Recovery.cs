using System.Diagnostics;
using FASTER.core;
using Hyperproxy.Location.Wal;
using Hyperproxy.Location.Records;

namespace Hyperproxy.Location.Faster;

// Start-up: FASTER has recovered its latest checkpoint (constructor); replay the WAL entries numbered after
// the sequence number in the checkpoint's commit cookie, checkpoint again when anything was replayed, then
// count what is live.
public sealed partial class FasterLocationStore
{
    private RecoveryReport Recover(Stopwatch started)
    {
        if (_options.Durability == Durability.None)
            return RecoveryReport.Empty;
        bool fromCheckpoint = _kv.RecoveredCommitCookie is not null;
        long replayed = 0;
        if (_wal is not null && _walRecovery is not null)
        {
            long cookie = RecoveredCookie();
            _previousCookie = cookie;
            replayed = ReplayWal(_walRecovery, cookie);
            // The segments read are deleted by the normal truncation once checkpoints cover them.
            _walRecovery.HandOver(_wal);
            _walRecovery = null;
        }
        (long aors, long contacts) = CountLive();
        _baseAors = aors;
        _baseContacts = contacts;
        if (replayed > 0)
            CheckpointNow();
        return new RecoveryReport(fromCheckpoint, replayed, aors, contacts, started.Elapsed);
    }

    private unsafe long ReplayWal(WalRecovery recovery, long afterSeq)
    {
        var session = _maintenanceSession.Inner;
        return recovery.Replay(afterSeq, (op, keyBytes, record) =>
        {
            fixed (byte* keyPointer = keyBytes)
            fixed (byte* recordPointer = record)
            {
                var key = SpanByte.FromPointer(keyPointer, keyBytes.Length);
                if (op == WalEntry.Put)
                {
                    var value = SpanByte.FromPointer(recordPointer, record.Length);
                    session.Upsert(ref key, ref value);
                }
                else
                {
                    session.Delete(ref key);
                }
                session.CompletePending(wait: true);
            }
        });
    }

    // Log.Scan sees every version; a key counts once, at the address a read finds current.
    private unsafe (long Aors, long Contacts) CountLive()
    {
        _batch.Clear();
        if (_kv.Log.TailAddress <= _kv.Log.BeginAddress)
            return (0, 0);
        var collector = new KeyCollector { Batch = _batch };
        _kv.Log.Scan(ref collector, _kv.Log.BeginAddress, _kv.Log.TailAddress);
        var session = _maintenanceSession.Inner;
        byte[] buffer = GC.AllocateUninitializedArray<byte>(_options.MaxRecordBytes, pinned: true);
        long aors = 0;
        long contacts = 0;
        fixed (byte* bufferPointer = buffer)
        {
            for (int i = 0; i < _batch.Count; i++)
            {
                ReadOnlySpan<byte> keyBytes = _batch.Key(i);
                fixed (byte* keyPointer = keyBytes)
                {
                    var key = SpanByte.FromPointer(keyPointer, keyBytes.Length);
                    SpanByte input = default;
                    var output = new ReadOutput { Buffer = bufferPointer, Capacity = buffer.Length };
                    var readOptions = default(ReadOptions);
                    Status status = session.Read(ref key, ref input, ref output, ref readOptions, out RecordMetadata metadata, Empty.Default, 0);
                    if (status.IsPending)
                    {
                        session.CompletePending(wait: true);
                        status = _maintenanceFunctions.PendingStatus;
                        output = _maintenanceFunctions.PendingReadOutput;
                        metadata = _maintenanceFunctions.PendingMetadata;
                    }
                    if (!status.Found || metadata.Address != _batch.Address(i) || output.TooSmall)
                        continue;
                    aors++;
                    contacts += LocationRecord.PeekContactCount(new ReadOnlySpan<byte>(bufferPointer, output.Length));
                }
            }
        }
        _batch.Clear();
        return (aors, contacts);
    }
}
