namespace Hyperproxy.Script.Runtime;

/// <summary>How a compiled statement ended: go on, leave the switch/loop, return from the route, or stop the script.</summary>
public enum Flow : byte
{
    Next,
    Break,
    Return,
    Exit,
}
