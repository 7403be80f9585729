using Hyperproxy.Script.Runtime.Functions;

namespace Hyperproxy.Script.Runtime;

/// <summary>
/// The run-time side of the function registry: for every function name, its body and an optional
/// start-up step that precomputes per-call-site state (a method mask, a header name's id ...).
/// Modules register their functions here next to their declarations.
/// </summary>
public sealed class FunctionImplementations
{
    private readonly Dictionary<string, (ScriptFunction Body, Func<CallArguments, object?>? Prepare)> _table = new(StringComparer.Ordinal);

    /// <summary>The built-in functions: core, sl, signaling, maxfwd, sipmsgops.</summary>
    public static FunctionImplementations CreateDefault()
    {
        var f = new FunctionImplementations();
        CoreFunctions.Register(f);
        MessageFunctions.Register(f);
        return f;
    }

    public void Register(string name, ScriptFunction body, Func<CallArguments, object?>? prepare = null) => _table[name] = (body, prepare);

    public bool TryGet(string name, out ScriptFunction body, out Func<CallArguments, object?>? prepare)
    {
        if (_table.TryGetValue(name, out var entry))
        {
            body = entry.Body;
            prepare = entry.Prepare;
            return true;
        }

        body = null!;
        prepare = null;
        return false;
    }
}
