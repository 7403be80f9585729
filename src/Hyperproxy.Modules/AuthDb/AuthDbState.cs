using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Modules.AuthDb;

/// <summary>auth_db's per-message state: the subscriber the last authorize looked up (for load_credentials).</summary>
internal sealed class AuthDbState : ModuleMessageState
{
    public CredentialEntry? Entry { get; set; }

    protected override void Reset() => Entry = null;
}
