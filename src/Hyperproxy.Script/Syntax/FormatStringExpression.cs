using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>
/// A string argument with <c>$var</c> expansion (<c>xlog("from $fu\n")</c>), split at
/// start-up into literal text and bound pseudo-variables. <c>$$</c> is a literal <c>$</c>.
/// </summary>
public sealed class FormatStringExpression : Expression
{
    public FormatStringExpression(SourceLocation location, string text, IReadOnlyList<FormatSegment> segments)
        : base(location)
    {
        Text = text;
        Segments = segments;
    }

    /// <summary>The string as written (escapes resolved).</summary>
    public string Text { get; }

    public IReadOnlyList<FormatSegment> Segments { get; }

    /// <summary>The literal text of a constant format (<c>$$</c> undone); null if a segment is a variable.</summary>
    public string? ConstantText
    {
        get
        {
            if (!IsConstant)
                return null;
            var sb = new System.Text.StringBuilder();
            foreach (var s in Segments)
                sb.Append(s.Text);
            return sb.ToString();
        }
    }

    /// <summary>True when no segment is a variable (the value is <see cref="Text"/> with <c>$$</c> undone).</summary>
    public bool IsConstant
    {
        get
        {
            foreach (var s in Segments)
            {
                if (s.Variable is not null)
                    return false;
            }

            return true;
        }
    }
}
