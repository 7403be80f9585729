using System.Globalization;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>A constant: integer, string or <c>NULL</c>. Folded expressions become literals too.</summary>
public sealed class LiteralExpression : Expression
{
    private LiteralExpression(SourceLocation location, LiteralKind kind, int intValue, string? stringValue)
        : base(location)
    {
        Kind = kind;
        IntValue = intValue;
        StringValue = stringValue;
    }

    public LiteralKind Kind { get; }

    /// <summary>The value when <see cref="Kind"/> is <see cref="LiteralKind.Int"/>.</summary>
    public int IntValue { get; }

    /// <summary>The value when <see cref="Kind"/> is <see cref="LiteralKind.String"/>.</summary>
    public string? StringValue { get; }

    public static LiteralExpression Int(SourceLocation location, int value) => new(location, LiteralKind.Int, value, null);

    public static LiteralExpression String(SourceLocation location, string value) => new(location, LiteralKind.String, 0, value);

    public static LiteralExpression Null(SourceLocation location) => new(location, LiteralKind.Null, 0, null);

    /// <summary>The value as OpenSIPS prints it.</summary>
    public override string ToString() => Kind switch
    {
        LiteralKind.Int => IntValue.ToString(CultureInfo.InvariantCulture),
        LiteralKind.String => StringValue!,
        _ => "NULL",
    };
}
