namespace Hyperproxy.Script.Runtime;

/// <summary>
/// Per-worker, per-message state of a module (rr's "already record-routed", its buffered
/// parameters, path's pending entry ...). One instance per <see cref="ScriptContext"/> and type,
/// created on first use and reset lazily when the context has moved to another message — so
/// modules need no reset hook and nothing is allocated per message.
/// </summary>
public abstract class ModuleMessageState
{
    /// <summary>The <see cref="ScriptContext.MessageId"/> this state belongs to.</summary>
    internal int MessageId { get; set; } = -1;

    /// <summary>Forget everything of the previous message.</summary>
    protected internal abstract void Reset();

    /// <summary>
    /// A branch_route is about to run on a copy of the request (<see cref="ScriptContext.KeepBranchState"/>): keep what it
    /// may change, for <see cref="RestoreAfterBranch"/>. The default keeps nothing: a state whose changes in a
    /// branch_route must stay in that branch (rr's add_rr_param, path's entry) overrides both.
    /// </summary>
    protected internal virtual void KeepForBranch()
    {
    }

    /// <summary>The branch is out: back to what <see cref="KeepForBranch"/> kept.</summary>
    protected internal virtual void RestoreAfterBranch()
    {
    }
}
