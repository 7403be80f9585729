namespace Hyperproxy.Script.Syntax;

/// <summary>One piece of a format string: literal text or a pseudo-variable.</summary>
public readonly record struct FormatSegment(string? Text, PseudoVariableExpression? Variable);
