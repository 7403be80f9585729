namespace Hyperproxy.Script.Runtime;

/// <summary>
/// A branch_route works on a copy of the request for its branch (OpenSIPS/Kamailio tm): before it runs, tm keeps what
/// the route may change of the message's routing state — Request-URI, <c>$du</c>, the forced socket, the branch flags,
/// <c>add_local_rport()</c>, the edits still waiting for the send socket (Record-Route, Path) and what the modules' message
/// states keep of themselves (<see cref="ModuleMessageState.KeepForBranch"/>: rr's parameters, path's entry) — and puts it back once
/// the branch is sent, so the next branch and the route that called t_relay() start from the request as it was. The
/// header edits are taken back by tm itself (<see cref="Hyperproxy.Sip.Edits.SipEdits.Rewind"/>). One copy: branch
/// routes do not nest. Buffers are allocated on first use.
/// </summary>
public sealed partial class ScriptContext
{
    private byte[]? _keptRuri;
    private byte[]? _keptDu;
    private readonly IDeferredEdit?[] _keptDeferred = new IDeferredEdit?[MaxDeferred];
    private int _keptRuriLength;
    private int _keptDuLength;
    private bool _keptRuriChanged;
    private bool _keptRuriCommitted;
    private bool _keptHasDu;
    private int _keptForcedSocket;
    private uint _keptBranchFlags;
    private bool _keptAddLocalRport;
    private int _keptDeferredCount;
    private bool[] _keptStateLive = [];

    /// <summary>Keeps the routing state a branch_route may change (see the type).</summary>
    public void KeepBranchState()
    {
        _keptRuri ??= new byte[MaxUri];
        _keptDu ??= new byte[MaxUri];
        _keptRuriChanged = _ruriChanged;
        _keptRuriCommitted = _ruriCommitted;
        _keptRuriLength = _ruriLength;
        if (_ruriChanged)
        {
            _ruri.AsSpan(0, _ruriLength).CopyTo(_keptRuri);
        }

        _keptHasDu = _hasDu;
        _keptDuLength = _duLength;
        if (_hasDu)
        {
            _du.AsSpan(0, _duLength).CopyTo(_keptDu);
        }

        _keptForcedSocket = ForcedSocket;
        _keptBranchFlags = BranchFlags;
        _keptAddLocalRport = AddLocalRport;
        _keptDeferredCount = _deferredCount;
        Array.Copy(_deferred, _keptDeferred, _deferredCount);

        // Module states: those this message already has keep themselves; one the branch_route brings to life is forgotten after it.
        ModuleMessageState?[] states = _moduleStates;
        if (_keptStateLive.Length < states.Length)
        {
            _keptStateLive = new bool[states.Length];
        }

        for (int i = 0; i < states.Length; i++)
        {
            bool live = states[i] is { } state && state.MessageId == MessageId;
            _keptStateLive[i] = live;
            if (live)
            {
                states[i]!.KeepForBranch();
            }
        }
    }

    /// <summary>
    /// Puts back what <see cref="KeepBranchState"/> kept; the deferred edits wait for the next branch's socket again, and
    /// a <c>drop</c> in the branch_route dropped that branch only.
    /// </summary>
    public void RestoreBranchState()
    {
        Dropped = false;
        _ruriChanged = _keptRuriChanged;
        _ruriCommitted = _keptRuriCommitted;
        _ruriLength = _keptRuriLength;
        if (_keptRuriChanged)
        {
            _keptRuri.AsSpan(0, _keptRuriLength).CopyTo(_ruri);
        }

        _hasDu = _keptHasDu;
        _duLength = _keptDuLength;
        if (_keptHasDu)
        {
            _keptDu.AsSpan(0, _keptDuLength).CopyTo(_du);
        }

        ForcedSocket = _keptForcedSocket;
        BranchFlags = _keptBranchFlags;
        AddLocalRport = _keptAddLocalRport;
        Array.Copy(_keptDeferred, _deferred, _keptDeferredCount);
        Array.Clear(_deferred, _keptDeferredCount, MaxDeferred - _keptDeferredCount);
        _deferredCount = _keptDeferredCount;

        ModuleMessageState?[] states = _moduleStates;
        for (int i = 0; i < states.Length; i++)
        {
            if (states[i] is not { } state || state.MessageId != MessageId)
            {
                continue;
            }

            if (i < _keptStateLive.Length && _keptStateLive[i])
            {
                state.RestoreAfterBranch();
            }
            else
            {
                state.MessageId = -1; // first used in the branch_route: reset at its next use
            }
        }
    }
}
