using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip.Auth;

namespace Hyperproxy.Modules.Auth;

/// <summary>
/// pv_www_authorize / pv_proxy_authorize: the user and password (or HA1) come from the variables that
/// <c>username_spec</c> / <c>password_spec</c> name. A username that differs (case-insensitively) from the
/// credentials' is an unknown user.
/// </summary>
internal sealed class PvHa1Source : Ha1Source
{
    private readonly AuthModule _auth;

    public PvHa1Source(AuthModule auth) => _auth = auth;

    public override Ha1Status GetHa1(ScriptContext context, ReadOnlySpan<byte> username, ReadOnlySpan<byte> realm,
        DigestAlgorithm algorithm, Span<byte> ha1Hex)
    {
        ScriptValue user = _auth.UsernameValue(context);
        ScriptValue password = _auth.PasswordValue(context);
        if (!user.HasString || password.IsNull || !System.Text.Ascii.EqualsIgnoreCase(user.Span, username))
        {
            return Ha1Status.UserUnknown;
        }

        ReadOnlySpan<byte> secret = password.Span;
        if (_auth.CalculateHa1)
        {
            DigestCalculator.Ha1(algorithm, username, realm, secret, ha1Hex);
            return Ha1Status.Found;
        }

        int length = DigestAlgorithms.HexLength(algorithm);
        if (secret.Length != length)
        {
            // An HA1 of another hash (an MD5 HA1 for a SHA-256 challenge) cannot match.
            return Ha1Status.UserUnknown;
        }

        secret.CopyTo(ha1Hex);
        return Ha1Status.Found;
    }
}
