using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Parsing;

/// <summary>Unwinds the parser to the enclosing statement after a syntax error (start-up only).</summary>
internal sealed class SyntaxErrorException : Exception
{
    public SyntaxErrorException(SourceLocation location, string message)
        : base(message)
    {
        Location = location;
    }

    public SourceLocation Location { get; }
}
