using System.Diagnostics;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

/// <summary>
/// Requests parked while the location store fetches across the network (a Redis store): lookup() starts
/// the fetch and suspends the request (<see cref="ScriptContext.Suspend"/>); whatever the route had
/// written for it is taken back and a copy of the datagram waits here. The fetches a batch starts go out
/// together. At the start of every batch and on the worker's idle polls, once answers are in, every parked
/// request runs again from the start of the route, on a fresh parse, with its record at hand; one that is
/// still waiting parks again. The answers a pass hands out are dropped only once every request parked when they
/// were snapshotted has run again, over as many turns as full batches take. A request parked longer than the store's
/// timeout runs again with its fetch failed (lookup returns -3: the script's reply). Full (or a datagram larger
/// than a slot): the request runs again at once and this once waits for its answer on the worker.
/// </summary>
public sealed partial class StatelessProxy
{
    private const int MaxParkedRequests = 256;
    private const int ParkedRequestBytes = 8192;

    private ParkedRequests? _parked;
    private byte[]? _resumeBuffer;
    private IParkingSource? _parkingSource;
    private bool _noParking;
    private long _snapshotThrough = -1;
    private IBatchIo? _io;
    private bool _wakeWatched;

    /// <summary>The worker's I/O, kept so that a parking source's descriptor can join its poll set (<see cref="WatchWakeFd"/>).</summary>
    public void AttachIo(IBatchIo io) => _io = io;

    /// <summary>True once the parking source's descriptor is in the worker's poll set: the worker wakes when an answer
    /// arrives instead of on its next 1 ms idle poll.</summary>
    public bool WakesOnAnswers => _wakeWatched;

    /// <summary>The first time a request parks: the source's descriptor (a Redis session's epoll instance) joins the poll set.</summary>
    private void WatchWakeFd(IParkingSource source)
    {
        if (_wakeWatched || _io is null)
        {
            return;
        }

        int fd = source.WakeFd;
        if (fd >= 0)
        {
            _wakeWatched = _io.TryWatch(fd);
            if (_wakeWatched)
            {
                _counters[_index].StoreWakes = 1;
            }

            _io = null; // asked once: a refusal (the WAL's ring is watched already) stays a refusal
        }
    }

    /// <summary>Requests parked for a store read (tests, counters).</summary>
    public int ParkedRequestCount => _parked?.Count ?? 0;

    /// <summary>
    /// True while the request route runs for a request this worker received (or runs again): only such a request
    /// can be parked and run again. A failure_route (its request is the transaction's, its trigger a reply) and an
    /// onreply_route cannot; there the registrar's functions wait for the store on the worker (bounded by
    /// query_timeout).
    /// </summary>
    public bool CanPark => _parked is not null && !_noParking && !_inFailureRoute && _message.IsRequest;

    private void EnableParking(Location.ILocationStore? store)
    {
        if (store is not null && store.ReadsCanPark)
        {
            _parked = new ParkedRequests(MaxParkedRequests, ParkedRequestBytes);
            _resumeBuffer = GC.AllocateUninitializedArray<byte>(ParkedRequestBytes, pinned: true);
        }
    }

    /// <summary>Handles one datagram; a request the script suspended is taken back from <paramref name="outgoing"/> and parked.</summary>
    private void ProcessOrPark(byte[] buffer, int offset, int length, in NetAddress source, int socket, long connection, DatagramBatch outgoing)
    {
        int mark = outgoing.Count;
        _context.ClearSuspension();
        Process(buffer, offset, length, source, socket, connection, outgoing);
        if (_parked is null || !_message.IsRequest || !_context.Suspended)
        {
            return;
        }

        outgoing.TruncateTo(mark);
        _parkingSource = _context.SuspendedOn;
        if (_parkingSource is not null)
        {
            WatchWakeFd(_parkingSource);
        }
        if (_parked.TryPark(buffer.AsSpan(offset, length), source, socket, connection, Stopwatch.GetTimestamp()))
        {
            _counters[_index].RequestsParked++;
            return;
        }

        // No room: this request waits for its answer on the worker.
        _counters[_index].ParkingFull++;
        _noParking = true;
        _context.ClearSuspension();
        try
        {
            Process(buffer, offset, length, source, socket, connection, outgoing);
        }
        finally
        {
            _noParking = false;
        }
    }

    /// <summary>Runs the parked requests again once answers are in (or their time is up), while
    /// <paramref name="outgoing"/> holds fewer than <paramref name="limit"/> datagrams.</summary>
    private void ResumeParked(DatagramBatch outgoing, int limit)
    {
        if (_parked is null || _parked.Count == 0 || _parkingSource is not { } source)
        {
            return;
        }

        long now = Stopwatch.GetTimestamp();
        long timeoutTicks = (long)(source.Timeout.TotalSeconds * Stopwatch.Frequency);
        if (now - _parked.OldestParkedAt >= timeoutTicks)
        {
            source.FailStartedBefore(now - timeoutTicks + 1);
        }

        // A snapshot of the answers in stays until every request parked when it was taken has run again (those not
        // reached yet, when a full batch cut the turn short, still need them); only then are they dropped and the
        // answers that came meanwhile snapshotted in turn.
        if (_snapshotThrough < 0)
        {
            if (!source.HasAnswers)
            {
                return;
            }

            source.SnapshotAnswers();
            _snapshotThrough = _parked.NextSequence - 1;
        }

        byte[] buffer = _resumeBuffer!;
        int n = _parked.Count;
        for (; n > 0 && outgoing.Count < limit; n--)
        {
            int length = _parked.Take(buffer, out NetAddress from, out int socket, out long connection, out long parkedAt);
            int mark = outgoing.Count;
            _context.ClearSuspension();
            _context.Resumed = true;
            try
            {
                Process(buffer, 0, length, from, socket, connection, outgoing);
            }
            catch (Exception e)
            {
                outgoing.TruncateTo(mark);
                Fault(e);
                continue;
            }
            finally
            {
                _context.Resumed = false;
            }

            if (_message.IsRequest && _context.Suspended)
            {
                // Still waiting (its fetch was started after the answers came): back in line, same park time.
                outgoing.TruncateTo(mark);
                _parked.TryPark(buffer.AsSpan(0, length), from, socket, connection, parkedAt);
            }
            else
            {
                _counters[_index].RequestsResumed++;
                if (_latency is not null && outgoing.Count > mark)
                {
                    _latency.Record(_index, Metrics.ProxyMetrics.TicksToNanoseconds(Stopwatch.GetTimestamp() - parkedAt));
                }
            }
        }

        if (_parked.HeadSequence > _snapshotThrough)
        {
            source.ForgetAnswers();
            _snapshotThrough = -1;
        }
    }
}
