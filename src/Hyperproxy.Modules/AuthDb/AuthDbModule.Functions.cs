using System.Runtime.CompilerServices;
using Hyperproxy.Modules.Auth;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Modules.AuthDb;

public sealed partial class AuthDbModule
{
    /// <summary>db_is_*_authorized: no authorized credentials in this message.</summary>
    public const int NotAuthorized = -2;

    /// <summary>db_is_*_authorized: the To/From URI has no user part.</summary>
    public const int NoUser = -4;

    /// <summary>db_is_*_authorized: the uri table has no row for (auth user, realm, URI user): spoofed.</summary>
    public const int Spoofed = -9;

    /// <summary>check_to()/check_from() without a table: the URI user is not the authentication user.</summary>
    public const int UserMismatch = -10;

    /// <summary><c>www_authorize(realm, table)</c> / <c>proxy_authorize(realm, table)</c>: auth's flow with HA1 from the table.</summary>
    private int Authorize(ScriptContext c, CallArguments a, bool proxy)
    {
        if (a.State is not TableHa1Source source)
        {
            a.Error(c, "the table is not loaded");
            return AuthResult.Error;
        }

        return _auth.Authorize(c, a.Bytes(c, 0), proxy, source);
    }

    /// <summary>
    /// <c>db_is_to_authorized(table)</c> / <c>db_is_from_authorized(table)</c>: the To/From user must be one the
    /// authenticated user may use (a row username = auth user, domain = realm, uri_user = URI user). The older
    /// <c>check_to()</c>/<c>check_from()</c> without a table compare the URI user with the auth user
    /// (case-insensitive), as the uri module did without use_uri_table.
    /// </summary>
    private int IsAuthorized(ScriptContext c, CallArguments a, bool to)
    {
        if (!AuthModule.TryGetAuthorized(c, out ReadOnlySpan<byte> username, out ReadOnlySpan<byte> realm))
        {
            return NotAuthorized;
        }

        SipMessage m = c.Message;
        if ((to ? m.GetTo(out NameAddr na) : m.GetFrom(out na)) != SipError.None || !na.Uri.IsPresent)
        {
            return NoUser;
        }

        ReadOnlySpan<byte> uri = m.Span(na.Uri);
        if (!SipUri.TryParse(uri, out SipUri parsed) || !parsed.User.IsPresent || parsed.User.Length == 0)
        {
            return NoUser;
        }

        ReadOnlySpan<byte> uriUser = uri.Slice(parsed.User.Start, parsed.User.Length);
        ReadOnlySpan<byte> authUser = UserPart(username);
        if (a.State is not string table)
        {
            return System.Text.Ascii.EqualsIgnoreCase(uriUser, authUser) ? ScriptResult.True : UserMismatch;
        }

        UriTable? t = _uriTables.TryGetValue(table, out StrongBox<UriTable?>? box) ? Volatile.Read(ref box.Value) : null;
        return t is not null && t.Contains(authUser, realm, uriUser) ? ScriptResult.True : Spoofed;
    }

    /// <summary>The part of a digest username before '@' (the whole of it when there is none).</summary>
    internal static ReadOnlySpan<byte> UserPart(ReadOnlySpan<byte> username)
    {
        int at = username.IndexOf((byte)'@');
        return at < 0 ? username : username[..at];
    }

    /// <summary>The HA1 source of one subscriber table (auth's verification asks it per request).</summary>
    private sealed class TableHa1Source : Ha1Source
    {
        private readonly AuthDbModule _module;

        public TableHa1Source(AuthDbModule module, string table)
        {
            _module = module;
            Table = table;
        }

        public string Table { get; }

        private volatile ICredentialStore? _store;

        /// <summary>The table's subscribers (replaced whole by a reload; a worker reads it once per authorize).</summary>
        public ICredentialStore? Store
        {
            get => _store;
            set => _store = value;
        }

        public override Ha1Status GetHa1(ScriptContext context, ReadOnlySpan<byte> username, ReadOnlySpan<byte> realm,
            Sip.Auth.DigestAlgorithm algorithm, Span<byte> ha1Hex)
        {
            ICredentialStore? store = Store;
            if (store is null)
            {
                return Ha1Status.Error;
            }

            AuthDbSettings s = _module.Settings;
            ReadOnlySpan<byte> domain = default;
            int at = username.IndexOf((byte)'@');
            if (s.UseDomain)
            {
                domain = at >= 0 ? username[(at + 1)..] : realm;
            }

            CredentialEntry? entry = store.Find(at >= 0 ? username[..at] : username, domain);
            context.ModuleState<AuthDbState>().Entry = entry;
            if (entry is null)
            {
                return Ha1Status.UserUnknown;
            }

            bool sha = algorithm == Sip.Auth.DigestAlgorithm.Sha256;
            if (sha && !store.HasSha256)
            {
                return Ha1Status.Error;
            }

            byte[]? secret = sha ? entry.Sha256Secret : entry.Md5Secret;
            int length = Sip.Auth.DigestAlgorithms.HexLength(algorithm);
            if (s.CalculateHa1)
            {
                Sip.Auth.DigestCalculator.Ha1(algorithm, username, realm, secret ?? [], ha1Hex);
            }
            else if (secret is not null && secret.Length == length)
            {
                secret.CopyTo(ha1Hex);
            }
            else
            {
                // No stored HA1 of this hash: nothing the UA sends can match (-2, as a query returning NULL would).
                ha1Hex[..length].Fill((byte)'-');
            }

            return Ha1Status.Found;
        }

        public override void OnAuthorized(ScriptContext context)
        {
            CredentialEntry? entry = context.ModuleState<AuthDbState>().Entry;
            int[] slots = _module._loadSlots;
            if (entry is null || slots.Length == 0)
            {
                return;
            }

            for (int i = 0; i < slots.Length && i < entry.Loaded.Length; i++)
            {
                if (entry.Loaded[i] is { } value && slots[i] >= 0)
                {
                    context.AddAvp(slots[i], value);
                }
            }
        }
    }
}
