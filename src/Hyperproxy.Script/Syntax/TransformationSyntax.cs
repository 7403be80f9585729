using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>One <c>{class.name,arg,...}</c> transformation applied to a pseudo-variable.</summary>
public sealed class TransformationSyntax
{
    public TransformationSyntax(SourceLocation location, string name, IReadOnlyList<string> arguments)
    {
        Location = location;
        Name = name;
        Arguments = arguments;
    }

    public SourceLocation Location { get; }

    /// <summary><c>uri.user</c>, <c>s.len</c>, <c>param.value</c>.</summary>
    public string Name { get; }

    /// <summary>Raw argument texts after the name, trimmed.</summary>
    public IReadOnlyList<string> Arguments { get; }
}
