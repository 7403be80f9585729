namespace Hyperproxy.Script.Declarations;

/// <summary>A <c>modparam</c> a module accepts, with its type and default.</summary>
public sealed class ModuleParameterDeclaration
{
    public ModuleParameterDeclaration(string name, ModuleParameterType type, object? defaultValue)
    {
        Name = name;
        Type = type;
        DefaultValue = defaultValue;
    }

    public string Name { get; }

    public ModuleParameterType Type { get; }

    /// <summary>An <see cref="int"/>, a <see cref="string"/> or null (no default).</summary>
    public object? DefaultValue { get; }
}
