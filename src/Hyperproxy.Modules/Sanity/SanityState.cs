using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Modules.Sanity;

/// <summary>The failure of the last sanity_check on this message (code 0: none), kept for <c>sanity_reply()</c>.</summary>
public sealed class SanityState : ModuleMessageState
{
    public int Code { get; internal set; }

    public byte[] Reason { get; internal set; } = [];

    protected override void Reset()
    {
        Code = 0;
        Reason = [];
    }
}
