using System.Diagnostics;
using System.Numerics;
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
public sealed partial class CallWorker
{
    private readonly BenchOptions _o;
    private readonly int _index;
    private readonly RequestTemplate _invite;
    private readonly CallWriter _writer;
    private readonly IBatchIo _io;
    private readonly NetAddress _target;
    private readonly long _quota;
    private readonly double _rate;
    private readonly int _usersHere;
    private readonly long[] _inviteAt;
    private readonly long[] _byeAt;
    private readonly int _mask;
    private readonly SipMessage _message = new();

    public CallWorker(BenchOptions options, int index, RequestTemplate invite, CallWriter writer, IBatchIo io, NetAddress target, long quota)
    {
        _o = options;
        _index = index;
        _invite = invite;
        _writer = writer;
        _io = io;
        _target = target;
        _quota = quota;
        _rate = options.Rate / options.Threads;
        _usersHere = Math.Max(1, (options.Users - index + options.Threads - 1) / options.Threads);
        long inFlight = options.Rate > 0 ? (long)(_rate * (options.TimeoutMs / 1000.0) * 4) + 4096 : options.Window * 4L;
        int ring = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(inFlight, 1024, 1 << 24));
        _inviteAt = new long[ring];
        _byeAt = new long[ring];
        _mask = ring - 1;
        Histogram = new LongHistogram(1, 100_000_000_000L, 3);
        ByeHistogram = new LongHistogram(1, 100_000_000_000L, 3);
    }

    /// <summary>INVITE → final answer latencies in ns.</summary>
    public LongHistogram Histogram { get; }

    /// <summary>BYE → final answer latencies in ns.</summary>
    public LongHistogram ByeHistogram { get; }

    /// <summary>Final answers to INVITE by status.</summary>
    public long[] ByStatus { get; } = new long[700];

    public long[] ByClass { get; } = new long[7];

    public long[] ByeByStatus { get; } = new long[700];

    public long Sent;
    public long Received;
    public long Timeouts;
    public long ByeTimeouts;
    public long Completed;
    public long Failed;
    public long Unmatched;
    public long Late;
    public long SendErrors;
    public long WriteErrors;
    public long UnansweredAtEnd;
    public long MessagesSent;
    public long MessagesReceived;
    public long CalleeInvites;
    public long CalleeAcks;
    public long CalleeByes;
    public long MeasureStart;
    public long MeasureEnd;
    public long LastAnswer;
    public volatile bool Done;

    /// <summary>The user number of call <paramref name="seq"/> (1-based): this thread's share of u0..u(users-1).</summary>
    public long UserOf(ulong seq) => _index + ((long)(seq - 1) % _usersHere) * _o.Threads;

    /// <summary>Runs until the quota or the duration is used up and every call ended or timed out.</summary>
    public void Run(long start, long warmupEnd, long sendEnd)
    {
        var outgoing = new DatagramBatch(_o.Batch, 2048);
        var replies = new DatagramBatch(_o.Batch * 2, 2048);
        var incoming = new DatagramBatch(_o.Batch, 4096);
        long timeoutTicks = _o.TimeoutMs * Stopwatch.Frequency / 1000;
        ulong next = 1, oldest = 1, measureFrom = warmupEnd > start ? ulong.MaxValue : 1;
        long outstanding = 0;
        long issued = 0;
        MeasureStart = start;
        bool sending = true;
        long lastSend = start;
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (measureFrom == ulong.MaxValue && now >= warmupEnd)
            {
                // Datagram and callee counters cover the measured time (the per-call ones go by call number).
                measureFrom = next;
                MeasureStart = now;
                MessagesSent = MessagesReceived = CalleeInvites = CalleeAcks = CalleeByes = 0;
            }
            if (sending && ((_quota > 0 && issued >= _quota) || (_quota == 0 && now >= sendEnd)))
            {
                sending = false;
                MeasureEnd = now;
                lastSend = now;
            }
            outstanding -= ExpireOldest(ref oldest, next, now, timeoutTicks, measureFrom);
            if (!sending && (outstanding == 0 || now - lastSend > timeoutTicks * 2))
            {
                UnansweredAtEnd = outstanding;
                break;
            }
            int allowance = 0;
            if (sending)
            {
                long want = _o.Rate > 0
                    ? (long)((now - start) * _rate / Stopwatch.Frequency) - issued
                    : _o.Window - outstanding;
                if (_quota > 0)
                    want = Math.Min(want, _quota - issued);
                long ringRoom = _inviteAt.Length - (long)(next - oldest);
                allowance = (int)Math.Clamp(Math.Min(want, ringRoom), 0, _o.Batch);
            }
            if (allowance > 0)
                outstanding += StartCalls(outgoing, allowance, ref next, ref issued, now, measureFrom);
            int got = _io.Receive(incoming, allowance > 0 || (sending && _o.Rate > 0) ? 0 : 1);
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
                    outstanding -= OnResponse(incoming, i, replies, oldest, next, measureFrom, arrived);
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
    private int StartCalls(DatagramBatch outgoing, int allowance, ref ulong next, ref long issued, long now, ulong measureFrom)
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
        issued += allowance;
        MessagesSent += accepted;
        if (first >= measureFrom)
            Sent += accepted;
        if (accepted < allowance)
        {
            SendErrors += allowance - accepted;
            for (ulong s = first + (ulong)accepted; s < next; s++)
                _inviteAt[(int)(s & (ulong)_mask)] = 0;
        }
        return accepted;
    }

    /// <summary>Frees ring entries whose INVITE or BYE went unanswered too long; returns how many calls ended so.</summary>
    private long ExpireOldest(ref ulong oldest, ulong next, long now, long timeoutTicks, ulong measureFrom)
    {
        long ended = 0;
        while (oldest < next)
        {
            int k = (int)(oldest & (ulong)_mask);
            long invite = _inviteAt[k], bye = _byeAt[k];
            if (invite != 0)
            {
                if (now - invite < timeoutTicks)
                    break;
                _inviteAt[k] = 0;
                ended++;
                if (oldest >= measureFrom)
                    Timeouts++;
            }
            else if (bye != 0)
            {
                if (now - bye < timeoutTicks)
                    break;
                _byeAt[k] = 0;
                ended++;
                if (oldest >= measureFrom)
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
