namespace Hyperproxy.Script.Declarations;

/// <summary>
/// A <c>modparam</c> a module accepts (one row of its table, OpenSIPS's <c>param_export_t</c>): its type,
/// its default, and where the value goes.
/// </summary>
public sealed class ModuleParameterDeclaration
{
    public ModuleParameterDeclaration(string name, ModuleParameterType type, object? defaultValue, Func<object?, string?>? store = null)
    {
        Name = name;
        Type = type;
        DefaultValue = defaultValue;
        Store = store;
    }

    public string Name { get; }

    public ModuleParameterType Type { get; }

    /// <summary>An <see cref="int"/>, a <see cref="string"/> or null (no default).</summary>
    public object? DefaultValue { get; }

    /// <summary>
    /// Takes the value (the modparam's, else <see cref="DefaultValue"/>) into the module; returns null, or
    /// why Hyperproxy refuses that value (what it does instead), which stops start-up at the modparam.
    /// </summary>
    public Func<object?, string?>? Store { get; }

    /// <summary>
    /// The parameter may be set many times and every value counts, in script order (tracer's <c>trace_id</c>,
    /// statistics' <c>variable</c>); the default is not stored when the script sets none.
    /// </summary>
    public bool Repeatable { get; init; }

    /// <summary>The default as a script would write it: <c>3600</c>, <c>"received"</c>, <c>NULL</c>.</summary>
    public string FormatDefault() => DefaultValue switch
    {
        null => "NULL",
        string s => "\"" + s + "\"",
        var v => v.ToString()!,
    };
}
