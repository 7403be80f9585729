namespace Hyperproxy.Script.Declarations;

/// <summary>Whether a pseudo-variable takes a <c>(name)</c> argument.</summary>
public enum PseudoVariableArgument
{
    None,
    Optional,
    Required,
}
