using System.Runtime.CompilerServices;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;

namespace Hyperproxy.Script.Runtime;

/// <summary>
/// The per-worker state the compiled script runs against, reset for every message: the message and
/// its edits, where it came from, flags, <c>$du</c>, the rewritten R-URI, <c>$retcode</c>, route
/// parameters, the scratch arena for computed strings, and how the run ended. <c>$var</c> values
/// live in per-slot buffers and survive between messages (as in OpenSIPS). Nothing here allocates
/// once the buffers have grown to the sizes the script needs.
/// </summary>
public sealed partial class ScriptContext
{
    public const int ArenaSize = 32 * 1024;
    private const int MaxParams = 64;

    private readonly byte[] _arena = new byte[ArenaSize];
    private readonly ScriptValue[] _vars;
    private readonly byte[][] _varBuffers;
    private readonly ScriptValue[] _params = new ScriptValue[MaxParams];
    private readonly byte[] _replyHeaders = new byte[4096];
    private readonly char[] _chars = new char[16 * 1024];
    private int _arenaUsed;
    private int _replyHeadersLength;
    private int _paramBase;
    private int _paramCount;
    private int _errorCode;
    private byte[] _errorReason = [];

    public ScriptContext(IScriptHost host, int variableSlots = 64)
    {
        Host = host;
        _vars = new ScriptValue[variableSlots];
        _varBuffers = new byte[variableSlots][];
        for (int i = 0; i < variableSlots; i++)
        {
            _varBuffers[i] = new byte[64];
        }

    }

    public IScriptHost Host { get; }

    /// <summary>
    /// The index of the worker this context belongs to (its row of per-worker counters:
    /// <see cref="Statistics.Statistic.Add"/>); -1 for startup/timer contexts, which count atomically in a shared row.
    /// </summary>
    public int Worker { get; set; } = -1;

    /// <summary>
    /// Set by tracer's trace() with a transaction scope: the messages this proxy sends for the current one (local
    /// replies, the relayed request) are captured too, to trace_id <see cref="TraceId"/> - 1. Cleared per message.
    /// </summary>
    public Tracing.TraceHub? Tracer { get; set; }

    /// <summary>1 + the trace_id index the outgoing messages go to; 0: not traced.</summary>
    public int TraceId { get; set; }

    public SipMessage Message { get; private set; } = null!;

    public SipEdits Edits { get; private set; } = null!;

    public NetAddress Source { get; private set; }

    /// <summary>Index of the socket the message arrived on.</summary>
    public int Socket { get; private set; }

    /// <summary>The socket forced by force_send_socket / <c>$socket_out</c>, or -1.</summary>
    public int ForcedSocket { get; set; } = -1;

    /// <summary>Message flags (setflag) and branch-0 flags (setbflag).</summary>
    public uint Flags { get; set; }

    public uint BranchFlags { get; set; }

    public bool IsFlagSet(int bit) => (Flags & (1u << bit)) != 0;

    public int RetCode { get; set; } = 1;

    public bool Dropped { get; internal set; }

    /// <summary>The request is for an outbound flow (RFC 5626) that is dead: forward()/t_relay() fail with 430 Flow Failed.</summary>
    public bool FlowFailed { get; set; }

    /// <summary>force_rport() was called: replies go to the source port.</summary>
    public bool RportForced { get; set; }

    /// <summary>add_local_rport(): our Via asks for rport.</summary>
    public bool AddLocalRport { get; set; }

    /// <summary>Run-time errors of this worker so far (each logged with route and line).</summary>
    public long RuntimeErrors { get; private set; }

    /// <summary>Something was sent for this message (a reply or a forwarded copy) — set by the host.</summary>
    public bool Answered { get; set; }

    /// <summary>Counts append_branch() calls for this message (forward() ignores extra branches).</summary>
    public int ExtraBranches { get; set; }

    /// <summary>Message sequence number of this worker (<c>$mi</c>).</summary>
    public int MessageId { get; private set; }

    /// <summary>Route call depth (bounded).</summary>
    internal int Depth { get; set; }

    /// <summary>Headers added by append_to_reply, for the next local reply.</summary>
    public ReadOnlySpan<byte> ReplyHeaders => new(_replyHeaders, 0, _replyHeadersLength);

    /// <summary>The last failure of forward()/send(), for sl_reply_error (code 0: none).</summary>
    public int ErrorCode => _errorCode;

    public ReadOnlySpan<byte> ErrorReason => _errorReason;

    internal char[] CharBuffer => _chars;

    /// <summary>
    /// Set by a module function that cannot answer yet without waiting on the network (a location lookup
    /// whose record is being fetched): the function returns 0, which ends the route, and the host parks the
    /// request and runs it again from the start once <see cref="SuspendedOn"/> has answers. Only when
    /// <see cref="IScriptHost.CanPark"/>.
    /// </summary>
    public bool Suspended { get; private set; }

    /// <summary>
    /// True while the host runs a parked request again (<see cref="Suspend"/>): its first run already did what the
    /// route does before the suspending function, e.g. an auth check that spent the nonce's nc, and a module that
    /// keeps such one-time state accepts the same request once more.
    /// </summary>
    public bool Resumed { get; set; }

    /// <summary>What the suspended request waits for.</summary>
    public IParkingSource? SuspendedOn { get; private set; }

    /// <summary>Suspends the request (see <see cref="Suspended"/>); returns 0, the code that ends the route.</summary>
    public int Suspend(IParkingSource source)
    {
        Suspended = true;
        SuspendedOn = source;
        return 0;
    }

    /// <summary>Forgets a suspension before the host handles the next datagram (a malformed request or a reply
    /// never reaches <see cref="Begin"/>, and must not look suspended).</summary>
    public void ClearSuspension() => Suspended = false;

    /// <summary>Binds the context to a freshly parsed message; resets everything per-message.</summary>
    public void Begin(SipMessage message, SipEdits edits, in NetAddress source, int socket)
    {
        Message = message;
        Edits = edits;
        Source = source;
        Socket = socket;
        ForcedSocket = -1;
        Flags = 0;
        BranchFlags = 0;
        RetCode = 1;
        Dropped = false;
        Suspended = false;
        RportForced = false;
        FlowFailed = false;
        AddLocalRport = false;
        Answered = false;
        ExtraBranches = 0;
        TraceId = 0;
        BranchCount = 0;
        _preloadedRouteLength = 0;
        MessageId++;
        Depth = 0;
        _arenaUsed = 0;
        _replyHeadersLength = 0;
        _paramBase = 0;
        _paramCount = 0;
        _errorCode = 0;
        ResetUris();
        ResetAdvertised();
        ResetRouting();
        ResetFlows();
        ResetAvps();
        ResetErrors();
        ClearReturnValues();
    }

    /// <summary>Records why forward()/send() failed (the reason must be a constant or long-lived bytes).</summary>
    public void SetError(int code, byte[] reason)
    {
        _errorCode = code;
        _errorReason = reason;
    }

    public bool AppendReplyHeaders(ReadOnlySpan<byte> lines)
    {
        if (!lines.TryCopyTo(_replyHeaders.AsSpan(_replyHeadersLength)))
        {
            return false;
        }

        _replyHeadersLength += lines.Length;
        return true;
    }

    // ---- arena ----

    internal int ArenaMark => _arenaUsed;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void ArenaRelease(int mark) => _arenaUsed = mark;

    /// <summary>Free space at the top of the arena; write into it, then <see cref="Commit"/>.</summary>
    internal Span<byte> ArenaFree => _arena.AsSpan(_arenaUsed);

    internal ScriptValue Commit(int length)
    {
        var v = ScriptValue.FromBytes(_arena, _arenaUsed, length);
        _arenaUsed += length;
        return v;
    }

    internal ScriptValue CommitInt(int value, int length)
    {
        var v = ScriptValue.FromBoth(value, _arena, _arenaUsed, length);
        _arenaUsed += length;
        return v;
    }

    /// <summary>Copies bytes into the arena; NULL (and a run-time error) when it is full.</summary>
    internal ScriptValue Store(ReadOnlySpan<byte> bytes)
    {
        if (!bytes.TryCopyTo(ArenaFree))
        {
            return ScriptValue.Null;
        }

        return Commit(bytes.Length);
    }

    /// <summary>The string form of a value (integers are formatted into the arena).</summary>
    internal ReadOnlySpan<byte> AsBytes(ScriptValue value)
    {
        if (value.HasString || value.IsNull)
        {
            return value.Span;
        }

        Span<byte> free = ArenaFree;
        if (free.Length < 11)
        {
            return default;
        }

        int n = ScriptText.WriteInt(value.Int, free);
        return Commit(n).Span;
    }

    /// <summary>String concatenation; appends in place when <paramref name="left"/> is the top of the arena.</summary>
    internal ScriptValue Concat(in ScriptValue left, in ScriptValue right)
    {
        ReadOnlySpan<byte> r = AsBytes(right);
        if (left.Buffer == _arena && left.Start + left.Length == _arenaUsed && !left.HasInt)
        {
            if (!r.TryCopyTo(ArenaFree))
            {
                return ScriptValue.Null;
            }

            _arenaUsed += r.Length;
            return ScriptValue.FromBytes(_arena, left.Start, left.Length + r.Length);
        }

        ReadOnlySpan<byte> l = AsBytes(left);
        Span<byte> free = ArenaFree;
        if (free.Length < l.Length + r.Length)
        {
            return ScriptValue.Null;
        }

        l.CopyTo(free);
        r.CopyTo(free[l.Length..]);
        return Commit(l.Length + r.Length);
    }

    // ---- $var ----

    internal ScriptValue GetVar(int slot) => _vars[slot];

    internal void SetVar(int slot, in ScriptValue value)
    {
        if (!value.HasString)
        {
            _vars[slot] = value;
            return;
        }

        ReadOnlySpan<byte> bytes = value.Span;
        byte[] buffer = _varBuffers[slot];
        if (buffer.Length < bytes.Length)
        {
            buffer = GrowVar(slot, bytes.Length);
        }

        if (value.Buffer != buffer)
        {
            bytes.CopyTo(buffer);
        }
        else if (value.Start != 0)
        {
            bytes.CopyTo(buffer);
        }

        _vars[slot] = value.HasInt ? ScriptValue.FromBoth(value.Int, buffer, 0, bytes.Length) : ScriptValue.FromBytes(buffer, 0, bytes.Length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private byte[] GrowVar(int slot, int length)
    {
        byte[] old = _varBuffers[slot];
        var buffer = new byte[Math.Max(length, old.Length * 2)];
        _varBuffers[slot] = buffer;
        return buffer;
    }

    // ---- $param ----

    internal bool TryPushParams(int count, out int savedBase, out int savedCount)
    {
        savedBase = _paramBase;
        savedCount = _paramCount;
        if (_paramBase + _paramCount + count > MaxParams)
        {
            return false;
        }

        return true;
    }

    internal void SetPendingParam(int index, in ScriptValue value) => _params[_paramBase + _paramCount + index] = value;

    internal void EnterParams(int count)
    {
        _paramBase += _paramCount;
        _paramCount = count;
    }

    internal void LeaveParams(int savedBase, int savedCount)
    {
        _paramBase = savedBase;
        _paramCount = savedCount;
    }

    internal ScriptValue GetParam(int oneBased) =>
        oneBased >= 1 && oneBased <= _paramCount ? _params[_paramBase + oneBased - 1] : ScriptValue.Null;

    // ---- errors ----

    /// <summary>Counts and logs a run-time error of this message (route and line), then the message goes on.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void RuntimeError(Text.SourceLocation location, string what)
    {
        RuntimeErrors++;
        if (Host.IsLogEnabled(-1))
        {
            Host.Log(-1, System.Text.Encoding.UTF8.GetBytes($"script error at {location}: {what}"));
        }
    }
}
