namespace Hyperproxy.Modules.Auth;

/// <summary>What the authorize functions return (OpenSIPS's <c>auth_result</c>).</summary>
public static class AuthResult
{
    /// <summary>An error that sent no reply.</summary>
    public const int Error = -5;

    /// <summary>No credentials for this realm (and a supported algorithm) in the request.</summary>
    public const int NoCredentials = -4;

    /// <summary>The nonce is expired, forged, bound to another algorithm/qop, or already used (replayed nc).</summary>
    public const int StaleNonce = -3;

    /// <summary>The response does not match the stored password.</summary>
    public const int InvalidPassword = -2;

    /// <summary>No such user (auth_db), or the pv username differs from the credentials'.</summary>
    public const int UserUnknown = -1;

    /// <summary>A reply (400, 500) was sent; the script stops.</summary>
    public const int Replied = 0;

    /// <summary>The credentials are valid.</summary>
    public const int Authorized = 1;
}
