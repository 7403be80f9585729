using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary><c>loadmodule "sl.so"</c>.</summary>
public sealed class LoadModuleSyntax : SyntaxNode
{
    public LoadModuleSyntax(SourceLocation location, string path, SourceLocation pathLocation)
        : base(location)
    {
        Path = path;
        PathLocation = pathLocation;
    }

    public string Path { get; }

    public SourceLocation PathLocation { get; }
}
