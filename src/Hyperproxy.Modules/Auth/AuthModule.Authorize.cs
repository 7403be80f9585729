using System.Security.Cryptography;
using System.Text;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Auth;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Modules.Auth;

public sealed partial class AuthModule
{
    private static readonly byte[] s_badRealm = "Bad Request (no realm: unparsable To/From URI)"u8.ToArray();
    private static readonly byte[] s_badCredentials = "Bad Request (malformed credentials)"u8.ToArray();
    private static readonly byte[] s_missingFields = "Bad Request (credentials lack username, realm, nonce, uri or response)"u8.ToArray();
    private static readonly byte[] s_missingQopFields = "Bad Request (credentials with qop lack cnonce or nc)"u8.ToArray();
    private static readonly byte[] s_badQop = "Bad Request (credentials: qop is not auth or auth-int)"u8.ToArray();
    private static readonly byte[] s_badNc = "Bad Request (credentials: nc is not 1 to 8 hex digits)"u8.ToArray();
    private static readonly byte[] s_serverError = "Server Internal Error"u8.ToArray();

    /// <summary>
    /// The verification shared by www/proxy_authorize (auth_db) and pv_*_authorize (OpenSIPS's <c>pre_auth</c> +
    /// <c>post_auth</c>): ACK/CANCEL pass; the realm (given, else derived); the first credentials for that realm
    /// with a supported algorithm (-4 none); mandatory fields (400); nonce (-3 stale: forged, expired, other
    /// algorithm or qop, replayed nc); HA1 from <paramref name="source"/> (-1 unknown, 500 on a backend error);
    /// the response (-2 mismatch, 1 match). The nonce's nc is recorded only after the response matched.
    /// </summary>
    public int Authorize(ScriptContext c, ReadOnlySpan<byte> realmArgument, bool proxy, Ha1Source source)
    {
        SipMessage m = c.Message;
        AuthState st = c.ModuleState<AuthState>();
        AuthCounters counters = CountersFor(c, st);
        if (m.Method is SipMethod.Ack or SipMethod.Cancel)
        {
            counters.Authorized++;
            return AuthResult.Authorized;
        }

        if (!TryRealm(c, realmArgument, proxy, out ReadOnlySpan<byte> realm))
        {
            return Reject(c, counters, 400, s_badRealm);
        }

        HeaderId id = proxy ? HeaderId.ProxyAuthorization : HeaderId.Authorization;
        int found = -1;
        DigestHeader d = default;
        ReadOnlySpan<byte> v = default;
        DigestAlgorithm algorithm = DigestAlgorithm.Md5;
        for (int i = m.FindHeader(id); i >= 0; i = m.FindHeader(id, i + 1))
        {
            v = m.Span(m.Header(i).Value);
            if (!DigestHeader.TryParse(v, 0, out d))
            {
                return Reject(c, counters, 400, s_badCredentials);
            }

            if (d.IsDigest && d.Realm.IsPresent && Ascii.EqualsIgnoreCase(Part(v, d.Realm), realm)
                && DigestAlgorithms.TryParse(Part(v, d.Algorithm), out algorithm))
            {
                found = i;
                break;
            }
        }

        if (found < 0)
        {
            counters.NoCredentials++;
            return AuthResult.NoCredentials;
        }

        if (!d.Username.IsPresent || !d.Nonce.IsPresent || !d.Uri.IsPresent || !d.Response.IsPresent)
        {
            return Reject(c, counters, 400, s_missingFields);
        }

        byte qop = 0;
        uint nc = NonceRing.Spent;
        if (d.Qop.IsPresent)
        {
            ReadOnlySpan<byte> q = Part(v, d.Qop);
            qop = Ascii.EqualsIgnoreCase(q, "auth"u8) ? Nonce.QopAuth : Ascii.EqualsIgnoreCase(q, "auth-int"u8) ? Nonce.QopAuthInt : (byte)0;
            if (qop == 0)
            {
                return Reject(c, counters, 400, s_badQop);
            }

            if (!d.Cnonce.IsPresent || !d.Nc.IsPresent)
            {
                return Reject(c, counters, 400, s_missingQopFields);
            }

            if (!TryParseNc(Part(v, d.Nc), out nc))
            {
                return Reject(c, counters, 400, s_badNc);
            }
        }

        ReadOnlySpan<byte> nonceText = Part(v, d.Nonce);
        if (!CheckNonce(nonceText, algorithm, qop, nc, c.Resumed, out Nonce nonce, out NonceRing? ring))
        {
            st.Stale = true;
            counters.StaleNonces++;
            return AuthResult.StaleNonce;
        }

        int hexLength = DigestAlgorithms.HexLength(algorithm);
        Span<byte> ha1 = stackalloc byte[64];
        ReadOnlySpan<byte> username = Part(v, d.Username);
        switch (source.GetHa1(c, username, realm, DigestAlgorithms.Base(algorithm), ha1))
        {
            case Ha1Status.UserUnknown:
                counters.UnknownUsers++;
                return AuthResult.UserUnknown;
            case Ha1Status.Error:
                return Reject(c, counters, 500, s_serverError);
        }

        ReadOnlySpan<byte> cnonce = Part(v, d.Cnonce);
        if (DigestAlgorithms.IsSession(algorithm))
        {
            Span<byte> session = stackalloc byte[64];
            DigestCalculator.Ha1Session(algorithm, ha1[..hexLength], nonceText, cnonce, session);
            session.CopyTo(ha1);
        }

        Span<byte> ha2 = stackalloc byte[64];
        ReadOnlySpan<byte> method = m.Span(m.MethodRange);
        if (qop == Nonce.QopAuthInt)
        {
            Span<byte> bodyHash = stackalloc byte[64];
            DigestCalculator.Hash(algorithm, m.Body.IsPresent ? m.Span(m.Body) : default, bodyHash);
            DigestCalculator.Ha2(algorithm, method, Part(v, d.Uri), bodyHash[..hexLength], ha2);
        }
        else
        {
            DigestCalculator.Ha2(algorithm, method, Part(v, d.Uri), default, ha2);
        }

        Span<byte> expected = stackalloc byte[64];
        DigestCalculator.Response(algorithm, ha1[..hexLength], nonceText, Part(v, d.Nc), cnonce, qop == 0 ? default : Part(v, d.Qop),
            ha2[..hexLength], expected);
        ReadOnlySpan<byte> received = Part(v, d.Response);
        if (received.Length != hexLength || !CryptographicOperations.FixedTimeEquals(received, expected[..hexLength]))
        {
            counters.InvalidPasswords++;
            return AuthResult.InvalidPassword;
        }

        if (ring is not null && !ring.TryUse(nonce.Sequence, nc) && !(c.Resumed && ring.IsLast(nonce.Sequence, nc)))
        {
            // Another message with this nc (or a later one) was accepted in the meantime: a replay.
            st.Stale = true;
            counters.StaleNonces++;
            return AuthResult.StaleNonce;
        }

        st.AuthorizedHeader = found;
        st.AuthorizedProxy = proxy;
        counters.Authorized++;
        source.OnAuthorized(c);
        return AuthResult.Authorized;
    }

    /// <summary><c>consume_credentials()</c>: removes the credentials header the last authorize accepted.</summary>
    private static int ConsumeCredentials(ScriptContext c, CallArguments a)
    {
        AuthState st = c.ModuleState<AuthState>();
        if (st.AuthorizedHeader < 0)
        {
            return ScriptResult.False;
        }

        return c.Edits.RemoveHeader(st.AuthorizedHeader) == SipError.None ? ScriptResult.True : ScriptResult.False;
    }

    /// <summary>The whole username of the credentials the last authorize accepted in this message (db_is_*_authorized).</summary>
    public static bool TryGetAuthorized(ScriptContext c, out ReadOnlySpan<byte> username, out ReadOnlySpan<byte> realm)
    {
        username = realm = default;
        AuthState st = c.ModuleState<AuthState>();
        if (st.AuthorizedHeader < 0)
        {
            return false;
        }

        SipMessage m = c.Message;
        ReadOnlySpan<byte> v = m.Span(m.Header(st.AuthorizedHeader).Value);
        if (!DigestHeader.TryParse(v, 0, out DigestHeader d))
        {
            return false;
        }

        username = Part(v, d.Username);
        realm = Part(v, d.Realm);
        return true;
    }

    /// <summary>Decodes and checks a nonce; on success the ring to record the nc in (null when not tracked).</summary>
    /// <param name="resumed">The request is a parked one run again (<see cref="ScriptContext.Resumed"/>): its nc, spent by
    /// its own first run, is accepted once more.</param>
    private bool CheckNonce(ReadOnlySpan<byte> text, DigestAlgorithm algorithm, byte qop, uint nc, bool resumed, out Nonce nonce, out NonceRing? ring)
    {
        ring = null;
        if (!Nonce.TryRead(_secret, text, out nonce) || nonce.Algorithm != algorithm)
        {
            return false;
        }

        if (qop != 0 || nonce.Qop != 0)
        {
            byte need = qop == 0 ? Nonce.QopAuth : qop;
            if ((nonce.Qop & need) == 0)
            {
                return false;
            }
        }

        uint now = Now;
        if (now >= nonce.Expiry || nonce.Expiry > now + (uint)NonceExpire + 1)
        {
            return false;
        }

        if (DisableNonceCheck)
        {
            return nonce.Ring == 0;
        }

        ring = nonce.Ring == 0 ? null : Volatile.Read(ref _rings[nonce.Ring]);
        return ring is not null && (ring.CanUse(nonce.Sequence, nc) || (resumed && ring.IsLast(nonce.Sequence, nc)));
    }

    /// <summary>The realm argument, or (empty) the host of To (REGISTER, www) or From, without realm_prefix.</summary>
    private bool TryRealm(ScriptContext c, ReadOnlySpan<byte> argument, bool proxy, out ReadOnlySpan<byte> realm)
    {
        realm = argument;
        if (!argument.IsEmpty)
        {
            return true;
        }

        SipMessage m = c.Message;
        NameAddr na;
        SipError e = !proxy && m.Method == SipMethod.Register ? m.GetTo(out na) : m.GetFrom(out na);
        if (e != SipError.None || !na.Uri.IsPresent)
        {
            return false;
        }

        ReadOnlySpan<byte> uri = m.Span(na.Uri);
        if (!SipUri.TryFindHost(uri, out _, out TextRange host) || host.Length == 0)
        {
            return false;
        }

        realm = uri.Slice(host.Start, host.Length);
        byte[] prefix = RealmPrefix;
        if (prefix.Length > 0 && realm.Length > prefix.Length && Ascii.EqualsIgnoreCase(realm[..prefix.Length], prefix))
        {
            realm = realm[prefix.Length..];
        }

        return true;
    }

    private static int Reject(ScriptContext c, AuthCounters counters, int code, byte[] reason)
    {
        counters.Rejected++;
        Sl.SlReplies.Signal(c, code, reason); // the signaling API: t_reply when a transaction is bound, as OpenSIPS's auth
        return AuthResult.Replied;
    }

    private static bool TryParseNc(ReadOnlySpan<byte> text, out uint nc)
    {
        nc = 0;
        if (text.IsEmpty || text.Length > 8)
        {
            return false;
        }

        foreach (byte b in text)
        {
            int h = (uint)(b - '0') <= 9 ? b - '0' : (uint)((b | 0x20) - 'a') <= 5 ? (b | 0x20) - 'a' + 10 : -1;
            if (h < 0)
            {
                return false;
            }

            nc = (nc << 4) | (uint)h;
        }

        return nc != NonceRing.Spent;
    }

    internal static ReadOnlySpan<byte> Part(ReadOnlySpan<byte> v, TextRange r) => r.IsPresent ? v.Slice(r.Start, r.Length) : default;
}
