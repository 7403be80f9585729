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
}
