using Hyperproxy.Script.Declarations;

namespace Hyperproxy.Script.Syntax;

/// <summary>A resolved transformation with its constant arguments (<c>{param.value,name}</c> → <c>["name"]</c>).</summary>
public sealed record BoundTransformation(TransformationDeclaration Declaration, IReadOnlyList<string> Arguments);
