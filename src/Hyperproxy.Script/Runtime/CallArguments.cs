using Hyperproxy.Script.Runtime.Nodes;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Runtime;

/// <summary>
/// The arguments of one call site, compiled: a value node per argument (constants pre-encoded),
/// the start-up fix-up results, and <see cref="State"/> for what a function precomputes once.
/// </summary>
public sealed class CallArguments
{
    private readonly ValueNode[] _values;
    private readonly object?[] _fixed;
    private readonly Variables.VariableWriter?[]? _writers;

    internal CallArguments(ValueNode[] values, object?[] fixedValues, SourceLocation location, string routeName,
        Variables.VariableWriter?[]? writers = null)
    {
        _values = values;
        _fixed = fixedValues;
        _writers = writers;
        Location = location;
        RouteName = routeName;
    }

    public int Count => _values.Length;

    public SourceLocation Location { get; }

    /// <summary>The route block the call is written in (for error messages).</summary>
    public string RouteName { get; }

    /// <summary>Whatever the function's prepare step computed at start-up.</summary>
    public object? State { get; internal set; }

    public ScriptValue Value(ScriptContext context, int index) => _values[index].Evaluate(context);

    /// <summary>The argument as bytes (integers formatted; NULL → empty).</summary>
    public ReadOnlySpan<byte> Bytes(ScriptContext context, int index)
    {
        ScriptValue v = _values[index].Evaluate(context);
        return context.AsBytes(v);
    }

    /// <summary>The argument as an integer; false when it is NULL or not a number.</summary>
    public bool TryInt(ScriptContext context, int index, out int value)
    {
        if (_fixed[index] is int f)
        {
            value = f;
            return true;
        }

        return _values[index].Evaluate(context).TryGetInt(out value);
    }

    /// <summary>
    /// Writes <paramref name="value"/> into an output argument (a <see cref="Declarations.ParameterKind.WritableVariable"/>
    /// parameter: sipmsg_validate's err_var, ds_count's result); false when argument <paramref name="index"/> is not one.
    /// </summary>
    public bool Write(ScriptContext context, int index, in ScriptValue value)
    {
        if (_writers is null || (uint)index >= (uint)_writers.Length || _writers[index] is not { } writer)
        {
            return false;
        }

        writer.Write(context, value);
        return true;
    }

    /// <summary>The start-up fix-up result of a constant argument, or null.</summary>
    public object? Fixed(int index) => index < _fixed.Length ? _fixed[index] : null;

    /// <summary>Reports a run-time error of this call (logged with route and line, counted).</summary>
    public void Error(ScriptContext context, string what) => context.RuntimeError(Location, $"{RouteName}: {what}");
}
