using System.Buffers.Binary;
using System.Diagnostics;
using FASTER.core;
using Hyperproxy.Location.Records;

namespace Hyperproxy.Location.Faster;

// Start-up: FASTER has recovered its latest checkpoint (constructor); replay the WAL from the address in
// the checkpoint's commit cookie, checkpoint again when anything was replayed, then count what is live.
public sealed partial class FasterLocationStore
{
    private RecoveryReport Recover(Stopwatch started)
    {
        if (_options.Durability == Durability.None)
            return RecoveryReport.Empty;
        byte[]? cookie = _kv.RecoveredCommitCookie;
        bool fromCheckpoint = cookie is not null;
        long replayed = 0;
        if (_wal is not null)
        {
            long from = cookie is { Length: >= 8 } ? BinaryPrimitives.ReadInt64LittleEndian(cookie) : 0;
            _previousCookie = Math.Max(from, _wal.BeginAddress);
            replayed = ReplayWal(Math.Max(from, _wal.BeginAddress));
        }
        (long aors, long contacts) = CountLive();
        _baseAors = aors;
        _baseContacts = contacts;
        if (replayed > 0)
            CheckpointNow();
        return new RecoveryReport(fromCheckpoint, replayed, aors, contacts, started.Elapsed);
    }

    private unsafe long ReplayWal(long from)
    {
        FasterLog wal = _wal!;
        long until = wal.CommittedUntilAddress;
        if (from >= until)
            return 0;
        var session = _maintenanceSession.Inner;
        long replayed = 0;
        using FasterLogScanIterator iterator = wal.Scan(from, until);
        while (iterator.GetNext(out byte[] entry, out int length, out long _, out long _))
        {
            if (!WalEntry.TryRead(entry.AsSpan(0, length), out byte op, out ReadOnlySpan<byte> keyBytes, out ReadOnlySpan<byte> record))
                continue;
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
            replayed++;
        }
        return replayed;
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
