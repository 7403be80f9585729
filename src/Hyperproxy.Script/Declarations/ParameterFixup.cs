using Hyperproxy.Script.Syntax;

namespace Hyperproxy.Script.Declarations;

/// <summary>
/// Runs once at start-up on a constant argument (a literal, or a format string without
/// variables, given as its text). Returns the pre-processed value or an error message that
/// stops start-up at the argument's position.
/// </summary>
public delegate FixupResult ParameterFixup(LiteralExpression constant);
