namespace Hyperproxy.Script.Declarations;

public enum ModuleParameterType
{
    Int,
    String,
}
