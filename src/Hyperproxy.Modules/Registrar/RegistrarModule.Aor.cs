using Hyperproxy.Modules.Path;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Registrar;

/// <summary>The address-of-record key (spec §4.3 step 4): user (%-unescaped) [@ domain], per use_domain and case_sensitive.</summary>
public sealed partial class RegistrarModule
{
    /// <summary>
    /// Writes the usrloc key of <paramref name="uriText"/> (a SIP URI, optionally in angle brackets) into
    /// <paramref name="destination"/>: with use_domain <c>user@domain</c> (realm_prefix stripped; no <c>@</c>
    /// when the user is empty), else <c>user</c>; the domain lower-cased, the user too unless case_sensitive.
    /// </summary>
    public RegistrarError TryWriteAor(ReadOnlySpan<byte> uriText, Span<byte> destination, out int length)
    {
        length = 0;
        uriText = Trim(uriText);
        if (uriText.Length > 1 && uriText[0] == (byte)'<' && uriText[^1] == (byte)'>')
        {
            uriText = uriText[1..^1];
        }

        if (!SipUri.TryParse(uriText, out SipUri uri) || !uri.Host.IsPresent)
        {
            return RegistrarError.AorParse;
        }

        ReadOnlySpan<byte> user = uri.User.IsPresent ? uriText.Slice(uri.User.Start, uri.User.Length) : default;
        ReadOnlySpan<byte> host = uriText.Slice(uri.Host.Start, uri.Host.Length);
        if (user.Length > MaxUsernameLength || host.Length > MaxDomainLength || user.Length + 1 + host.Length > MaxAorLength)
        {
            return RegistrarError.AorTooLong;
        }

        if (RealmPrefix.Length > 0 && host.Length > RealmPrefix.Length && StartsWithAscii(host, RealmPrefix))
        {
            host = host[RealmPrefix.Length..];
        }

        int n = PathModule.Unescape(user, destination);
        if (n < 0)
        {
            return RegistrarError.AorUnescape;
        }

        if (!CaseSensitive)
        {
            System.Text.Ascii.ToLowerInPlace(destination[..n], out _);
        }

        if (UseDomain)
        {
            if (n > 0)
            {
                destination[n++] = (byte)'@';
            }

            if (host.Length > destination.Length - n)
            {
                return RegistrarError.AorTooLong;
            }

            System.Text.Ascii.ToLower(host, destination[n..], out int written);
            n += written;
        }

        if (n == 0)
        {
            return RegistrarError.AorParse;
        }

        length = n;
        return RegistrarError.None;
    }

    private static bool StartsWithAscii(ReadOnlySpan<byte> s, string prefix)
    {
        for (int i = 0; i < prefix.Length; i++)
        {
            if ((s[i] | 0x20) != (prefix[i] | 0x20))
            {
                return false;
            }
        }

        return true;
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        int a = 0;
        int b = s.Length;
        while (a < b && SipText.IsLws(s[a]))
        {
            a++;
        }

        while (b > a && SipText.IsLws(s[b - 1]))
        {
            b--;
        }

        return s[a..b];
    }
}
