namespace Hyperproxy.Script.Runtime.Nodes;

/// <summary>A call of a module function through its <see cref="ScriptFunction"/>, with its compiled arguments.</summary>
internal sealed class FunctionCall(ScriptFunction function, CallArguments arguments) : CallNode
{
    internal ScriptFunction Function => function;

    internal CallArguments Arguments => arguments;

    public override int Invoke(ScriptContext context) => function(context, arguments);
}
