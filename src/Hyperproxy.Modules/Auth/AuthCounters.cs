namespace Hyperproxy.Modules.Auth;

/// <summary>One worker's auth counters; written by that worker only, read (racy, monotonic) by whoever sums them.</summary>
public sealed class AuthCounters
{
    /// <summary>401/407 challenges sent.</summary>
    public long Challenges;

    /// <summary>Authorize calls that returned 1 (ACK/CANCEL included).</summary>
    public long Authorized;

    /// <summary>-4: no credentials for the realm.</summary>
    public long NoCredentials;

    /// <summary>-3: stale, forged or replayed nonce.</summary>
    public long StaleNonces;

    /// <summary>-2: wrong password.</summary>
    public long InvalidPasswords;

    /// <summary>-1: unknown user.</summary>
    public long UnknownUsers;

    /// <summary>400/500 replies sent by authorize (malformed or incomplete credentials, backend errors).</summary>
    public long Rejected;
}
