namespace Hyperproxy.Script.Runtime;

/// <summary>The index of one module state type in every context's state table (numbered once per process).</summary>
internal static class ModuleStateSlot<T>
    where T : ModuleMessageState
{
    internal static readonly int Index = ScriptContext.NextStateSlot();
}
