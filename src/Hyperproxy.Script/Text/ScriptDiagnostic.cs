namespace Hyperproxy.Script.Text;

/// <summary>One start-up error in a routing script.</summary>
public sealed class ScriptDiagnostic
{
    public ScriptDiagnostic(SourceLocation location, string message)
    {
        Location = location;
        Message = message;
    }

    public SourceLocation Location { get; }

    /// <summary>What is wrong, without the position prefix.</summary>
    public string Message { get; }

    /// <summary><c>file:line:column: message</c>.</summary>
    public override string ToString() => $"{Location}: {Message}";
}
