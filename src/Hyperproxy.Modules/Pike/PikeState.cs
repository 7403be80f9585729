using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Pike;

/// <summary>pike's state in one worker's context: the addresses a sweep released, to be logged.</summary>
public sealed class PikeState : ModuleMessageState
{
    internal List<NetAddress> Unblocked { get; } = new(16);

    protected override void Reset()
    {
    }
}
