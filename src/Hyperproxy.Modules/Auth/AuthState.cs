using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Modules.Auth;

/// <summary>
/// auth's state in one worker's context: per message, which credentials header was authorized (for
/// consume_credentials and db_is_*_authorized) and whether a stale nonce was seen (the next challenge says
/// <c>stale=true</c>); across messages, the worker's nonce ring and its counters.
/// </summary>
public sealed class AuthState : ModuleMessageState
{
    /// <summary>The header index of the authorized credentials, or -1.</summary>
    public int AuthorizedHeader { get; internal set; } = -1;

    /// <summary>The authorized credentials were a Proxy-Authorization header.</summary>
    public bool AuthorizedProxy { get; internal set; }

    /// <summary>An authorize call found the credentials' nonce stale.</summary>
    public bool Stale { get; internal set; }

    internal NonceRing? Ring { get; set; }

    /// <summary>This worker's counters (summed when read), handed out by the module on first use (<see cref="AuthModule.CountersFor"/>).</summary>
    public AuthCounters? Counters { get; internal set; }

    protected override void Reset()
    {
        AuthorizedHeader = -1;
        AuthorizedProxy = false;
        Stale = false;
    }
}
