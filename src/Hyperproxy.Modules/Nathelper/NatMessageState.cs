using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Modules.Nathelper;

/// <summary>nathelper's per-message state: fix_nated_contact() runs once per message.</summary>
internal sealed class NatMessageState : ModuleMessageState
{
    public bool ContactFixed;

    protected override void Reset() => ContactFixed = false;
}
