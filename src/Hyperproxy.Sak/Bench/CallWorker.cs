using System.Diagnostics;
using HdrHistogram;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Sak.Bench;

/// <summary>
/// One generator thread of the call scenario, caller and callee at once: socket 0 sends INVITEs
/// to the target and ACK/BYE along the dialog's route set, socket 1 is the callee (UAS) that
/// answers 180 + 200 and the BYE's 200. A ring indexed by the call number (carried in the
/// branch, From tag and Call-ID) holds each call's INVITE and BYE send times; latencies of
/// INVITE→final and BYE→final go to two HDR histograms. The loop allocates nothing.
/// </summary>
public sealed partial class CallWorker : LoadWorker
{
    private readonly RequestTemplate _invite;
    private readonly CallWriter _writer;
    private readonly IBatchIo _io;
    private readonly NetAddress _target;
    private readonly HopCache _hops = new();
    private readonly long[] _inviteAt;
    private readonly long[] _byeAt;
    private readonly int _mask;
    private readonly SipMessage _message = new();

    /// <summary>
    /// A caller/callee pair sending INVITEs (and non-2xx ACKs) to <paramref name="target"/> (the first
    /// --route's address, or the bench target); ACK and BYE go where the 2xx's route set says.
    /// </summary>
    public CallWorker(BenchOptions options, int index, RequestTemplate invite, CallWriter writer, IBatchIo io, NetAddress target, long quota)
        : base(options, index, quota, inFlightFactor: 4)
    {
        _invite = invite;
        _writer = writer;
        _io = io;
        _target = target;
        _inviteAt = new long[RingSize];
        _byeAt = new long[RingSize];
        _mask = RingSize - 1;
        ByeHistogram = new LongHistogram(1, 100_000_000_000L, 3);
    }

    /// <summary>BYE → final answer latencies in ns.</summary>
    public LongHistogram ByeHistogram { get; }

    public long[] ByeByStatus { get; } = new long[700];

    public long ByeTimeouts;
    public long Completed;
    public long Failed;
    public long WriteErrors;
    public long MessagesSent;
    public long MessagesReceived;
    public long CalleeInvites;
    public long CalleeAcks;
    public long CalleeByes;

    /// <inheritdoc/>
    public override long ProgressDone => Volatile.Read(ref Completed);

    /// <summary>The user number of call <paramref name="seq"/> (1-based): this thread's share of u0..u(users-1).</summary>
    public long UserOf(ulong seq) => Index + ((long)(seq - 1) % UsersHere) * Options.Threads;

    /// <inheritdoc/>
    public override void Run(long start, long warmupEnd, long sendEnd)
    {
        var outgoing = new DatagramBatch(Options.Batch, 2048);
        var replies = new DatagramBatch(Options.Batch * 2, 2048);
        var incoming = new DatagramBatch(Options.Batch, 4096);
        BeginRun(start, warmupEnd, sendEnd);
        ulong next = 1, oldest = 1;
        long outstanding = 0;
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            // Datagram and callee counters cover the measured time (the per-call ones go by call number).
            if (Tick(now, next))
                MessagesSent = MessagesReceived = CalleeInvites = CalleeAcks = CalleeByes = 0;
            outstanding -= ExpireOldest(ref oldest, next, now);
            if (Finished(now, outstanding))
                break;
            int allowance = Allowance(now, outstanding, _inviteAt.Length - (long)(next - oldest));
            if (allowance > 0)
                outstanding += StartCalls(outgoing, allowance, ref next, now);
            int got = _io.Receive(incoming, ReceiveWaitMs(allowance));
            if (got == 0)
                continue;
            MessagesReceived += got;
            long arrived = Stopwatch.GetTimestamp();
            replies.Clear();
            for (int i = 0; i < got; i++)
            {
                if (incoming.SocketIndex(i) == 1)
                    Answer(incoming, i, replies);
                else
                    outstanding -= OnResponse(incoming, i, replies, oldest, next, arrived);
            }
            if (replies.Count > 0)
            {
                int accepted = _io.Send(replies);
                MessagesSent += accepted;
                SendErrors += replies.Count - accepted;
            }
        }
        Done = true;
    }

    /// <summary>Writes and sends up to <paramref name="allowance"/> INVITEs; returns how many left (calls now outstanding).</summary>
    private int StartCalls(DatagramBatch outgoing, int allowance, ref ulong next, long now)
    {
        outgoing.Clear();
        ulong first = next;
        for (int i = 0; i < allowance; i++)
        {
            outgoing.TryGetFreeSlot(out Span<byte> slot);
            int length = _invite.Write(slot, next, 1, UserOf(next));
            outgoing.Commit(length, _target, 0);
            _inviteAt[(int)(next & (ulong)_mask)] = now;
            next++;
        }
        int accepted = _io.Send(outgoing);
        MessagesSent += accepted;
        CountSent(_inviteAt, first, next, accepted);
        return accepted;
    }

    /// <summary>Frees ring entries whose INVITE or BYE went unanswered too long; returns how many calls ended so.</summary>
    private long ExpireOldest(ref ulong oldest, ulong next, long now)
    {
        long ended = 0;
        while (oldest < next)
        {
            int k = (int)(oldest & (ulong)_mask);
            long invite = _inviteAt[k], bye = _byeAt[k];
            if (invite != 0)
            {
                if (now - invite < TimeoutTicks)
                    break;
                _inviteAt[k] = 0;
                ended++;
                if (oldest >= MeasureFrom)
                    Timeouts++;
            }
            else if (bye != 0)
            {
                if (now - bye < TimeoutTicks)
                    break;
                _byeAt[k] = 0;
                ended++;
                if (oldest >= MeasureFrom)
                {
                    Timeouts++;
                    ByeTimeouts++;
                }
            }
            oldest++;
        }
        return ended;
    }
}
