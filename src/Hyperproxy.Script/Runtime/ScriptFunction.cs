namespace Hyperproxy.Script.Runtime;

/// <summary>
/// The run-time body of a script function. Gets the worker's context and the call site's compiled
/// arguments; returns the script result (&gt; 0 true, &lt; 0 false, 0 stops the script).
/// Must not allocate.
/// </summary>
public delegate int ScriptFunction(ScriptContext context, CallArguments arguments);
