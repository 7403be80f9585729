using System.Runtime.CompilerServices;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

/// <summary>
/// The stateless core of one worker, driven by the routing script: for each datagram of a batch,
/// parse and validate (malformed requests go to the script's error_route, else are answered 400 with the reason); requests get
/// received/rport on their top Via (RFC 3261 §18.2.1, RFC 3581), then the compiled script's main
/// route decides, calling back into this class for replies (sl_send_reply), stateless forwarding
/// (forward(), RFC 3261 §16.11) and the other network actions (<see cref="IScriptHost"/>).
/// Responses run the script's onreply_route (if any), lose our Via and go to the next one.
/// Anything else that is not SIP is dropped and counted.
/// One instance per worker; nothing here allocates per message.
/// </summary>
public sealed partial class StatelessProxy : IBatchHandler, IIdleHandler, ICommitHandler, ITimerHandler, IIoAwareHandler, IScriptHost, ITmHost
{
    private readonly ProxyIdentity _identity;
    private readonly NextHopResolver _resolver;
    private readonly ProxyCounters[] _counters;
    private readonly int _index;
    // The message in hand and its edits; a failure_route or a relayed stored reply swaps in the transaction's copies.
    private SipMessage _message = new();
    private SipEdits _edits = new();
    private readonly byte[] _scratch = new byte[1024];
    private readonly CompiledScript _script;
    private readonly ScriptContext _context;
    private DatagramBatch _outgoing = null!;

    /// <summary>The stream connection the current message arrived on (0: a datagram).</summary>
    private long _connection;

    /// <summary>The server's stream transports (force_tcp_alias adds aliases to their connections); null without TCP/TLS sockets.</summary>
    public Transport.Streams.StreamTransport? Streams { get; init; }

    // Latency (request taken from the kernel → reply/forward written) and busiest sources; null without metrics.
    private readonly Metrics.ProxyMetrics? _metrics;
    private readonly Metrics.LatencyHistogram? _latency;
    private readonly Metrics.TopSources? _sources;

    /// <summary>A worker running the built-in default script.</summary>
    public StatelessProxy(ProxyIdentity identity, NextHopResolver resolver, ProxyCounters[] counters, int index)
        : this(identity, resolver, counters, index, DefaultScript.Compiled)
    {
    }

    public StatelessProxy(ProxyIdentity identity, NextHopResolver resolver, ProxyCounters[] counters, int index, CompiledScript script)
        : this(identity, resolver, counters, index, script, null)
    {
    }

    /// <summary>A worker whose REGISTER replies wait for <paramref name="store"/>'s commits (sync durability);
    /// <paramref name="replyStats"/>, one per worker, records how long they waited (this worker's is
    /// <c>replyStats[index]</c>; all of them feed <c>$stat(parked_reply_*)</c>).</summary>
    public StatelessProxy(ProxyIdentity identity, NextHopResolver resolver, ProxyCounters[] counters, int index, CompiledScript script,
        Location.ILocationStore? store, Location.DurableReplyStats[]? replyStats = null, Script.Statistics.StatisticsRegistry? statistics = null,
        Hyperproxy.Proxy.Transactions.TmClock? clock = null, Hyperproxy.Proxy.Transactions.TransactionHub? hub = null,
        Metrics.ProxyMetrics? metrics = null)
    {
        Statistics = statistics;
        _metrics = metrics;
        _latency = metrics?.Latency;
        _sources = metrics is not null && index < metrics.Sources.Count ? metrics.Sources[index] : null;
        _store = store;
        _replyStats = replyStats;
        if (store is not null && store.Durability == Location.Durability.Sync)
        {
            _pendingReplies = new Location.PendingAcks<ParkedReply>(MaxParkedReplies, MaxParkedReplies * 1024,
                replyStats is not null && index < replyStats.Length ? replyStats[index] : null);
        }

        EnableParking(store);
        _identity = identity;
        _resolver = resolver;
        _counters = counters;
        _index = index;
        _script = script;
        _context = script.CreateContext(this);
        _context.Worker = index;
        _tm = script.Transactions;
        _clock = clock ?? Hyperproxy.Proxy.Transactions.TmClock.System;
        if (_tm is not null)
        {
            _transactions = new Hyperproxy.Proxy.Transactions.TransactionTable(_tm.MaxTransactionsPerWorker, _clock.NowMs);
            _hub = hub;
            hub?.Register(index, _transactions);
            InitOverload();
        }
    }

    /// <summary>The server's statistics (<c>$stat</c>, update_stat, module counters); null in tests without a registry.</summary>
    public Script.Statistics.StatisticsRegistry? Statistics { get; }

    /// <summary>The worker's script context (tests read its state after a message).</summary>
    public ScriptContext Context => _context;

    public void Handle(DatagramBatch received, DatagramBatch outgoing)
    {
        // The batch left the kernel (about) now: every request's latency runs from here to its reply or forward.
        long batchIn = _metrics is null ? 0 : _metrics.NowNanoseconds();
        NoteBacklog(received.QueuedBytes, received.QueueLimitBytes); // behind or caught up, before this batch's INVITEs
        TickShedding(received);
        // Parked durable replies go first, but leave a slot for every datagram of this batch;
        // what did not fit goes after the batch, and the rest at the next batch or idle poll.
        ReleaseCommitted(outgoing, outgoing.Capacity - received.Count, commit: false);
        ResumeParked(outgoing, outgoing.Capacity - received.Count);
        DrainHandoffs(outgoing);
        byte[] buffer = received.Buffer;
        for (int i = 0; i < received.Count; i++)
        {
            ref readonly DatagramInfo info = ref received.Info(i);
            int mark = outgoing.Count;
            try
            {
                _sources?.Add(info.Peer);
                ProcessOrPark(buffer, received.PayloadOffset(i), info.Length, info.Peer, info.SocketIndex, info.ConnectionId, outgoing);
                if (_latency is not null && outgoing.Count > mark && _message.IsRequest)
                {
                    _latency.Record(_index, _metrics!.NowNanoseconds() - batchIn);
                }
            }
            catch (Exception e)
            {
                // A bug met by one datagram costs that datagram only (Garnet keeps the session when one
                // command throws): what it half-wrote is rolled back, the replies of the others stay.
                outgoing.TruncateTo(mark);
                Fault(e);
            }
        }

        // Durable replies stay parked: the worker commits them (Commit) once it has gathered what else is
        // arriving, one WAL write + fdatasync for all of it.
        // The store commands this batch started (and its runs of parked requests) leave together, one write.
        _parkingSource?.Flush();
    }

    /// <summary>Handles one datagram; what it sends goes to <paramref name="outgoing"/>.</summary>
    public void Process(byte[] buffer, int offset, int length, in NetAddress source, int socket, DatagramBatch outgoing) =>
        Process(buffer, offset, length, source, socket, 0, outgoing);

    /// <summary>Handles one message that arrived on stream connection <paramref name="connection"/> (0: a datagram).</summary>
    public void Process(byte[] buffer, int offset, int length, in NetAddress source, int socket, long connection, DatagramBatch outgoing)
    {
        ref ProxyCounters c = ref _counters[_index];
        _outgoing = outgoing;
        _connection = connection;
        _context.TraceId = 0;
        if (connection == 0)
        {
            _flows?.Touch(source, socket, Environment.TickCount64);
        }

        if (connection == 0 && length >= StunResponder.HeaderSize && buffer[offset] < 2)
        {
            AnswerStun(buffer.AsSpan(offset, length), source, socket, outgoing, ref c);
            return;
        }

        _keysValid = 0; // tm's matching keys belong to the message parsed here
        _keysFor = _message;
        SipError error = _message.Parse(buffer, offset, length);
        _edits.Reset(_message);
        if (error == SipError.None)
        {
            error = _message.Validate();
        }

        if (_script.Gate is { } gate && !gate.Admit(_context, _message, _edits, source, socket,
                error == SipError.None && (_message.IsRequest || _message.StatusCode != 0)))
        {
            GateDropped(ref c);
            return;
        }

        if (_message.IsRequest)
        {
            c.RequestsReceived++;
            if (error != SipError.None)
            {
                RejectMalformed(error, source, socket, outgoing, ref c);
                return;
            }

            ProcessRequest(source, socket, outgoing, ref c);
        }
        else if (_message.StatusCode != 0)
        {
            c.RepliesReceived++;
            if (error != SipError.None)
            {
                c.BadReplies++;
                return;
            }

            ProcessResponse(source, socket, outgoing, ref c);
        }
        else
        {
            c.Garbage++;
        }
    }

    /// <summary>The NAT pinger whose pings this worker sends and whose replies it notes (nathelper natping_interval), or null.</summary>
    public Hyperproxy.Modules.Nathelper.NatPinger? NatPinger
    {
        get => _pinger;
        set
        {
            _pinger = value;
            _pingRing = value?.Ring(_index);
        }
    }

    private Hyperproxy.Modules.Nathelper.NatPinger? _pinger;
    private Hyperproxy.Modules.Outbound.FlowTable? _flows;

    /// <summary>The outbound flows this worker notes every datagram's arrival in (the script loads outbound), or null.</summary>
    public Hyperproxy.Modules.Outbound.FlowTable? Flows
    {
        get => _flows;
        set => _flows = value;
    }
    private Hyperproxy.Modules.Nathelper.NatPingRing? _pingRing;

    /// <summary>How often an idle worker looks for pings the pinger formatted (it never waits for them).</summary>
    private const int PingPollMs = 10;

    /// <summary>A STUN datagram (first byte 0 or 1, never SIP): a Binding request gets its answer, the rest is garbage.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AnswerStun(ReadOnlySpan<byte> datagram, in NetAddress source, int socket, DatagramBatch outgoing, ref ProxyCounters c)
    {
        if (!outgoing.TryGetFreeSlot(out Span<byte> slot))
        {
            c.OutputFull++;
            return;
        }

        int n = StunResponder.TryAnswer(datagram, source, slot);
        if (n == 0)
        {
            c.Garbage++;
            return;
        }

        outgoing.Commit(n, source, socket);
        c.StunAnswered++;
    }

    /// <summary>Copies the pings waiting in this worker's ring into the send batch, as many as fit.</summary>
    private void SendPings(DatagramBatch outgoing)
    {
        Hyperproxy.Modules.Nathelper.NatPingRing ring = _pingRing!;
        ref ProxyCounters c = ref _counters[_index];
        while (ring.TryPeek(out ReadOnlySpan<byte> datagram, out NetAddress destination, out int socket) && outgoing.TryGetFreeSlot(out Span<byte> slot))
        {
            datagram.CopyTo(slot);
            outgoing.Commit(datagram.Length, destination, socket);
            ring.Advance();
            c.NatPingsSent++;
        }
    }

    /// <summary>A message the gate (pike's automatic mode) refused: received and dropped (core:drop_requests / drop_replies).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GateDropped(ref ProxyCounters c)
    {
        if (_message.IsRequest)
        {
            c.RequestsReceived++;
            c.RequestsDropped++;
        }
        else if (_message.StatusCode != 0)
        {
            c.RepliesReceived++;
            c.RepliesDropped++;
        }
        else
        {
            c.Garbage++;
        }
    }

    /// <summary>Counts a datagram whose handling threw and logs the first fault (with its stack), then every 1000th.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Fault(Exception e)
    {
        long faults = ++_counters[_index].DatagramFaults;
        if (faults == 1 || faults % 1000 == 0)
        {
            Hosting.Log.Error($"worker {_index}: datagram fault #{faults}, that datagram dropped: {e.GetType().Name}: {e.Message}"
                + (faults == 1 ? Environment.NewLine + e.StackTrace + Environment.NewLine + "(further faults logged every 1000)" : ""));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RejectMalformed(SipError error, in NetAddress source, int socket, DatagramBatch outgoing, ref ProxyCounters c)
    {
        c.BadRequests++;
        switch (error)
        {
            case SipError.BadRequestUri or SipError.BadUri:
                c.BadUris++;
                break;
            case SipError.BadMethod:
                c.BadMethods++;
                break;
            case >= SipError.HeaderWithoutColon and <= SipError.DuplicateHeader:
            case >= SipError.BadCSeq and <= SipError.BadAuthorization:
                c.BadHeaders++;
                break;
        }

        if (_script.HasErrorRoute)
        {
            // error_route decides (OpenSIPS): $err.* describe the problem, sl_send_reply answers; no automatic reply.
            ReadOnlySpan<byte> reason = SipErrors.ReasonPhrase(error);
            _context.BeginError(_message, _edits, source, socket, SipErrors.StatusCode(error), reason, reason);
            _script.RunError(_context);
            return;
        }

        if (_message.Method == SipMethod.Ack || !_message.Has(HeaderId.Via))
        {
            return; // ACKs are never answered; without a Via there is nowhere to answer.
        }

        _edits.Reset(_message);
        SendReply(SipErrors.StatusCode(error), SipErrors.ReasonPhrase(error), default, source, socket, outgoing, ref c);
    }
}
