using Hyperproxy.Script.Declarations;

namespace Hyperproxy.Script.Syntax;

/// <summary>
/// A resolved transformation with its arguments (<c>{param.value,name}</c> → <c>["name"]</c>). An argument that
/// is one pseudo-variable (<c>{s.substr,$var(i),1}</c>) is bound in <see cref="Variables"/> at the same index
/// (null for a constant).
/// </summary>
public sealed record BoundTransformation(TransformationDeclaration Declaration, IReadOnlyList<string> Arguments,
    IReadOnlyList<PseudoVariableExpression?> Variables);
