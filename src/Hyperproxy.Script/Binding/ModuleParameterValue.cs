using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Binding;

/// <summary>A checked <c>modparam</c>: the value is an <see cref="int"/> or a <see cref="string"/> per the parameter's type.</summary>
public sealed record ModuleParameterValue(ModuleDeclaration Module, ModuleParameterDeclaration Parameter, object Value, SourceLocation Location);
