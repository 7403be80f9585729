using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip.Auth;

namespace Hyperproxy.Modules.Auth;

/// <summary>
/// Where the authorize flow gets a user's HA1: auth_db's loaded table, pv_*_authorize's variables, and later a
/// store shared by a cluster. Called on the worker's thread; must not block or allocate.
/// </summary>
public abstract class Ha1Source
{
    /// <summary>
    /// Writes H(username:realm:password) of <paramref name="algorithm"/> (the base hash, not -sess) in lower-case hex
    /// into <paramref name="ha1Hex"/> (<see cref="DigestAlgorithms.HexLength"/> bytes). <paramref name="username"/>
    /// is the credentials' whole username, <paramref name="realm"/> the realm being authorized.
    /// </summary>
    public abstract Ha1Status GetHa1(ScriptContext context, ReadOnlySpan<byte> username, ReadOnlySpan<byte> realm,
        DigestAlgorithm algorithm, Span<byte> ha1Hex);

    /// <summary>Called after a successful authorization (auth_db loads its load_credentials AVPs).</summary>
    public virtual void OnAuthorized(ScriptContext context)
    {
    }
}
