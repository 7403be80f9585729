namespace Hyperproxy.Script.Runtime;

/// <summary>What a <see cref="ScriptValue"/> holds: nothing (NULL), an integer, a string, or both (<c>$rs</c>, <c>$rp</c>).</summary>
[Flags]
public enum ScriptValueKind : byte
{
    Null = 0,
    Int = 1,
    String = 2,
    IntAndString = Int | String,
}
