namespace Hyperproxy.Modules.Auth;

/// <summary>What a credentials source answers when asked for a user's HA1.</summary>
public enum Ha1Status
{
    Found,
    UserUnknown,

    /// <summary>The backend failed (auth answers 500).</summary>
    Error,
}
