using System.Runtime.CompilerServices;
using FASTER.core;
using Hyperproxy.Location.Wal;

namespace Hyperproxy.Location.Faster;

/// <summary>
/// A worker's long-lived FASTER <see cref="ClientSession{Key, Value, Input, Output, Context, Functions}"/>.
/// Every operation takes and releases the epoch itself, so an idle worker never holds up checkpoints.
/// Keys and buffers are pinned with <c>fixed</c> for the whole call, pending completions included.
/// </summary>
public sealed unsafe class FasterLocationSession : ILocationSession
{
    private readonly FasterLocationStore _store;
    private readonly ClientSession<SpanByte, SpanByte, SpanByte, ReadOutput, Empty, LocationFunctions> _session;
    private readonly LocationFunctions _functions;
    private bool _disposed;

    internal FasterLocationSession(FasterLocationStore store, FasterKV<SpanByte, SpanByte> kv, LocationFunctions functions)
    {
        _store = store;
        _functions = functions;
        var varLen = new SessionVariableLengthStructSettings<SpanByte, SpanByte> { valueLength = new LocationVarLen(functions) };
        _session = kv.For(functions).NewSession<LocationFunctions>(sessionVariableLengthStructSettings: varLen);
    }

    internal LocationFunctions Functions => _functions;

    internal ClientSession<SpanByte, SpanByte, SpanByte, ReadOutput, Empty, LocationFunctions> Inner => _session;

    public ReadStatus Read(ReadOnlySpan<byte> aor, Span<byte> buffer, out int length)
    {
        length = 0;
        if (aor.IsEmpty)
            return ReadStatus.NotFound;
        fixed (byte* keyPointer = aor)
        fixed (byte* bufferPointer = buffer)
        {
            var key = SpanByte.FromPointer(keyPointer, aor.Length);
            SpanByte input = default;
            var output = new ReadOutput { Buffer = bufferPointer, Capacity = buffer.Length };
            Status status = _session.Read(ref key, ref input, ref output, Empty.Default, 0);
            if (status.IsPending)
            {
                _session.CompletePending(wait: true);
                status = _functions.PendingStatus;
                output = _functions.PendingReadOutput;
            }
            if (status.Found)
            {
                length = output.Length;
                return output.TooSmall ? ReadStatus.BufferTooSmall : ReadStatus.Found;
            }
            return status.NotFound ? ReadStatus.NotFound : ReadStatus.Failed;
        }
    }

    public UpdateStatus Update<TUpdater>(ReadOnlySpan<byte> aor, ref TUpdater updater, out CommitTicket ticket)
        where TUpdater : struct, ILocationUpdater, allows ref struct
    {
        ticket = CommitTicket.None;
        if (aor.IsEmpty || aor.Length > WalEntry.MaxKeyLength)
            return UpdateStatus.Failed;
        // The updater is called through a pointer: keep it in a stack local (which the GC never moves)
        // for the duration of the operation, then hand its state back.
        TUpdater local = updater;
        UpdateStatus result;
        long walAddress;
        fixed (byte* keyPointer = aor)
        {
            _functions.BeginUpdate(&UpdaterThunk<TUpdater>.Invoke, Unsafe.AsPointer(ref local));
            var key = SpanByte.FromPointer(keyPointer, aor.Length);
            SpanByte input = default;
            ReadOutput output = default;
            Status status = _session.RMW(ref key, ref input, ref output, Empty.Default, 0);
            if (status.IsPending)
                _session.CompletePending(wait: true);
            else if (status.IsFaulted || status.IsCanceled)
                _functions.EndUpdate(out _);
            result = _functions.EndUpdate(out walAddress);
        }
        updater = local;
        ticket = _store.TicketFor(result, _functions.Wal, walAddress);
        return result;
    }

    public UpdateStatus Delete(ReadOnlySpan<byte> aor, out CommitTicket ticket)
    {
        var remover = default(RemoveUpdater);
        return Update(aor, ref remover, out ticket);
    }

    /// <summary>Writes and syncs this session's WAL entries now (sync mode; a no-op otherwise). A worker
    /// does not need it: its proxy commits the tickets of the replies it parked once per batch.</summary>
    public bool Flush() => _functions.Wal is null || _functions.Wal.Flush();

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _functions.Wal?.Close(flush: true);
        _store.Retire(this);
        _session.Dispose();
    }

    private struct RemoveUpdater : ILocationUpdater
    {
        public readonly UpdateDecision Update(ReadOnlySpan<byte> current, Span<byte> destination, out int length)
        {
            length = 0;
            return current.IsEmpty ? UpdateDecision.Keep : UpdateDecision.Delete;
        }
    }
}
