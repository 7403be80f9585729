using System.Buffers.Binary;
using Hyperproxy.Proxy.Transactions;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;

namespace Hyperproxy.Proxy;

/// <summary>
/// RFC 5626 §5.3 in tm: lookup() puts one flow per instance in the target set (the most recently registered) and keeps
/// the instance's other flows back (<see cref="ScriptContext.AddFlowAlternate"/>). tm keeps them with the transaction,
/// keyed by the branch they stand in for; when that branch fails with 430 Flow Failed — or cannot leave at all because
/// the flow was a TCP/TLS connection of ours that is gone — the request goes down the next flow as a new branch, and the
/// failed branch no longer competes for the best reply. Automatic, so any script with lookup() + t_relay() gets it.
/// </summary>
public sealed partial class StatelessProxy
{
    // One alternative in Transaction.Flows: [branch][used][local][socket:2][uri:2][du:2][route:2] uri du route.
    private const int FlowEntryHeader = 11;

    private readonly int[] _positionBranch = new int[Transaction.MaxBranches + 1];
    private readonly RouteError[] _positionError = new RouteError[Transaction.MaxBranches + 1];
    private readonly bool[] _alternateUsed = new bool[ScriptContext.MaxFlowAlternates];
    private byte[]? _flowScratch;

    /// <summary>Branch 0 (the Request-URI), then one per destination-set entry; then the flows kept back (see the type).</summary>
    private RouteError StartBranches(Transaction t, ScriptContext context, ReadOnlySpan<byte> destination, ref ProxyCounters c, out RouteError forked)
    {
        Array.Fill(_positionBranch, -1);
        Array.Fill(_positionError, RouteError.None);
        int before = t.BranchCount;
        RouteError error = StartBranch(t, context, destination, ref c);
        _positionBranch[0] = t.BranchCount > before ? before : -1;
        _positionError[0] = error;
        int positions = 1 + context.BranchCount;
        forked = ForkDestinationSet(t, context, ref c);
        if (context.FlowAlternateCount > 0)
        {
            error = KeepFlowAlternates(t, context, positions, error, ref c);
        }

        return error;
    }

    /// <summary>Started positions keep their alternatives in the transaction; a position whose flow is gone tries them now.</summary>
    private RouteError KeepFlowAlternates(Transaction t, ScriptContext context, int positions, RouteError branch0, ref ProxyCounters c)
    {
        int count = context.FlowAlternateCount;
        Array.Clear(_alternateUsed, 0, count);
        for (int p = 0; p < positions && p < _positionBranch.Length; p++)
        {
            int b = _positionBranch[p];
            if (b < 0 && _positionError[p] == RouteError.FlowFailed)
            {
                for (int j = 0; j < count && b < 0; j++)
                {
                    if (_alternateUsed[j] || context.FlowAlternatePosition(j) != p)
                    {
                        continue;
                    }

                    _alternateUsed[j] = true;
                    b = StartAlternate(t, context, context.FlowAlternateUri(j), context.FlowAlternateDestination(j),
                        context.FlowAlternateRouteLine(j), context.FlowAlternateSocket(j), context.FlowAlternateIsLocal(j), ref c);
                }

                if (p == 0 && b >= 0)
                {
                    branch0 = RouteError.None;
                }
            }

            if (b < 0)
            {
                continue;
            }

            for (int j = 0; j < count; j++)
            {
                if (!_alternateUsed[j] && context.FlowAlternatePosition(j) == p)
                {
                    _alternateUsed[j] = true;
                    AppendFlow(t, b, context.FlowAlternateUri(j), context.FlowAlternateDestination(j), context.FlowAlternateRouteLine(j),
                        context.FlowAlternateSocket(j), context.FlowAlternateIsLocal(j));
                }
            }
        }

        context.ClearFlowAlternates();
        return branch0;
    }

    /// <summary>One more branch down another flow; its index, or -1 when it could not leave.</summary>
    private int StartAlternate(Transaction t, ScriptContext context, ReadOnlySpan<byte> uri, ReadOnlySpan<byte> du, ReadOnlySpan<byte> route,
        int socket, bool local, ref ProxyCounters c)
    {
        _edits.Rewind(_tmEditsMark);
        context.ForgetRequestUriCommit();
        if (!context.SetRequestUri(uri))
        {
            return -1;
        }

        if (du.IsEmpty)
        {
            context.ResetDestination();
        }
        else
        {
            context.SetDestination(du);
        }

        context.SetPreloadedRoute(route);
        context.ForcedSocket = socket;
        context.NoNewConnection = local;
        context.FlowConnection = 0;
        int before = t.BranchCount;
        StartBranch(t, context, default, ref c);
        if (t.BranchCount == before)
        {
            return -1;
        }

        c.FlowRetries++;
        return before;
    }

    /// <summary>Adds one alternative for branch <paramref name="branch"/> to the transaction's list.</summary>
    private void AppendFlow(Transaction t, int branch, ReadOnlySpan<byte> uri, ReadOnlySpan<byte> du, ReadOnlySpan<byte> route, int socket, bool local)
    {
        int need = t.FlowsLength + FlowEntryHeader + uri.Length + du.Length + route.Length;
        byte[] scratch = _flowScratch is { } s && s.Length >= need ? s : (_flowScratch = new byte[Math.Max(need, 16 * 1024)]);
        if (t.FlowsLength > 0)
        {
            t.Flows.AsSpan(0, t.FlowsLength).CopyTo(scratch);
        }

        Span<byte> e = scratch.AsSpan(t.FlowsLength);
        e[0] = (byte)branch;
        e[1] = 0;
        e[2] = local ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt16LittleEndian(e[3..], (short)socket);
        BinaryPrimitives.WriteUInt16LittleEndian(e[5..], (ushort)uri.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(e[7..], (ushort)du.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(e[9..], (ushort)route.Length);
        uri.CopyTo(e[FlowEntryHeader..]);
        du.CopyTo(e[(FlowEntryHeader + uri.Length)..]);
        route.CopyTo(e[(FlowEntryHeader + uri.Length + du.Length)..]);
        t.FlowsLength = _buffers.Store(ref t.Flows, scratch.AsSpan(0, need));
    }

    /// <summary>Parses into <see cref="_txBranch"/> the request branch <paramref name="branch"/> stands for (<see cref="ClientBranch.BaseRequest"/>).</summary>
    private SipError ParseBranchBase(ClientBranch branch) => branch.BaseLength > 0
        ? _txBranch.Parse(branch.Base!, 0, branch.BaseLength)
        : _txBranch.Parse(branch.Request!, 0, branch.RequestLength);

    /// <summary>
    /// Branch <paramref name="b"/> failed with 430: the request (as that branch carried it, without our Via and the flow's
    /// pre-loaded Route) goes down the next flow kept for it. True when a new branch is out.
    /// </summary>
    private bool TryNextFlow(Transaction t, int b, ref ProxyCounters c)
    {
        if (t.FlowsLength == 0 || t.Cancelled || t.NoNewBranches || t.FinalSent || t.BranchCount >= Transaction.MaxBranches)
        {
            return false;
        }

        ClientBranch failed = t.Branches[b];
        SipMessage savedMessage = _message;
        SipEdits savedEdits = _edits;
        long savedConnection = _connection;
        if (ParseBranchBase(failed) != SipError.None)
        {
            return false;
        }

        _message = _txBranch;
        _edits = _txEdits;
        _edits.Reset(_txBranch);
        _connection = 0;
        int started = -1;
        try
        {
            int ours = _txBranch.FindHeader(HeaderId.Via);
            if (ours >= 0)
            {
                _edits.RemoveHeader(ours);
            }

            if (failed.PreloadedRoute)
            {
                int route = _txBranch.FindHeader(HeaderId.Route);
                if (route >= 0)
                {
                    _edits.RemoveHeader(route);
                }
            }

            _context.Begin(_txBranch, _txEdits, t.Source, t.Socket);
            _context.RportForced = t.RportForced;
            _context.RestoreAvps(t.Avps, t.AvpsLength);
            _tmCurrent = t;
            _tmEditsMark = _edits.Mark;
            Span<byte> flows = t.Flows.AsSpan(0, t.FlowsLength);
            for (int at = 0; at < flows.Length && started < 0;)
            {
                Span<byte> e = flows[at..];
                int uriLength = BinaryPrimitives.ReadUInt16LittleEndian(e[5..]);
                int duLength = BinaryPrimitives.ReadUInt16LittleEndian(e[7..]);
                int routeLength = BinaryPrimitives.ReadUInt16LittleEndian(e[9..]);
                int size = FlowEntryHeader + uriLength + duLength + routeLength;
                if (e[0] == b && e[1] == 0)
                {
                    e[1] = 1;
                    started = StartAlternate(t, _context, e.Slice(FlowEntryHeader, uriLength), e.Slice(FlowEntryHeader + uriLength, duLength),
                        e.Slice(FlowEntryHeader + uriLength + duLength, routeLength), BinaryPrimitives.ReadInt16LittleEndian(e[3..]), e[2] != 0, ref c);
                }

                at += size;
            }

            if (started < 0)
            {
                return false;
            }

            failed.Superseded = true;
            for (int at = 0; at < flows.Length;)
            {
                Span<byte> e = flows[at..];
                if (e[0] == b && e[1] == 0)
                {
                    e[0] = (byte)started; // the rest stand in for the new branch now
                }

                at += FlowEntryHeader + BinaryPrimitives.ReadUInt16LittleEndian(e[5..]) + BinaryPrimitives.ReadUInt16LittleEndian(e[7..])
                    + BinaryPrimitives.ReadUInt16LittleEndian(e[9..]);
            }

            return true;
        }
        finally
        {
            _message = savedMessage;
            _edits = savedEdits;
            _connection = savedConnection;
        }
    }
}
