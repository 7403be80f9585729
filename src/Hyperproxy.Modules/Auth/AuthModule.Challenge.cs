using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Auth;

namespace Hyperproxy.Modules.Auth;

public sealed partial class AuthModule
{
    private static readonly byte[] s_unauthorized = "Unauthorized"u8.ToArray();
    private static readonly byte[] s_proxyAuthRequired = "Proxy Authentication Required"u8.ToArray();

    // Strongest first (RFC 8760's order, as OpenSIPS writes them).
    private static readonly DigestAlgorithm[] s_order = [DigestAlgorithm.Sha256Sess, DigestAlgorithm.Sha256, DigestAlgorithm.Md5Sess, DigestAlgorithm.Md5];

    /// <summary>
    /// <c>www_challenge(realm[, qop[, algorithms]])</c> / <c>proxy_challenge(...)</c>: 401/407 with one
    /// WWW-/Proxy-Authenticate per algorithm (strongest first; none given = one without <c>algorithm=</c>), each with
    /// its own nonce, <c>stale=true</c> when this message's credentials had a stale nonce. Returns 0 (the script
    /// stops) once sent, -1 when it could not be built.
    /// </summary>
    private int Challenge(ScriptContext c, CallArguments a, bool proxy)
    {
        if (!ChallengeOptions.TryParse(a.Count > 1 ? a.Bytes(c, 1) : default, a.Count > 2 ? a.Bytes(c, 2) : default,
                out ChallengeOptions options, out _))
        {
            a.Error(c, "qop or algorithms is not valid");
            return ScriptResult.False;
        }

        AuthState st = c.ModuleState<AuthState>();
        if (!TryRealm(c, a.Bytes(c, 0), proxy, out ReadOnlySpan<byte> realm))
        {
            return Reject(c, CountersFor(c, st), 400, s_badRealm);
        }

        NonceRing? ring = null;
        if (!DisableNonceCheck && (ring = RingOf(st)) is null)
        {
            a.Error(c, "no nonce ring left for this context");
            return ScriptResult.False;
        }

        Span<byte> line = stackalloc byte[1024];
        uint expiry = Now + (uint)NonceExpire;
        bool any = false;
        for (int k = 0; k < s_order.Length; k++)
        {
            DigestAlgorithm alg = s_order[k];
            bool implicitMd5 = options.Algorithms == 0 && alg == DigestAlgorithm.Md5;
            if (!implicitMd5 && (options.Algorithms & (1 << (int)alg)) == 0)
            {
                continue;
            }

            var nonce = new Nonce(expiry, ring?.Id ?? 0, alg, options.Qop, ring?.Issue() ?? 0);
            int n = WriteChallenge(line, proxy, realm, nonce, options, st.Stale, !implicitMd5);
            if (n < 0 || !c.AppendReplyHeaders(line[..n]))
            {
                a.Error(c, "the challenge does not fit (realm too long?)");
                return ScriptResult.False;
            }

            any = true;
        }

        if (!any)
        {
            return ScriptResult.False;
        }

        CountersFor(c, st).Challenges++;
        // OpenSIPS's auth answers through the signaling API: t_reply when tm holds a transaction for the request
        // (after t_newtran), else a stateless reply.
        int r = Sl.SlReplies.Signal(c, proxy ? 407 : 401, proxy ? s_proxyAuthRequired : s_unauthorized);
        return r > 0 ? ScriptResult.Stop : ScriptResult.False;
    }

    /// <summary><c>Digest realm="R", nonce="N"[, qop="…"][, stale=true][, algorithm=A]</c> as a header line; -1 when it does not fit.</summary>
    private int WriteChallenge(Span<byte> line, bool proxy, ReadOnlySpan<byte> realm, in Nonce nonce, in ChallengeOptions options, bool stale, bool withAlgorithm)
    {
        if (realm.Length > line.Length - 200)
        {
            return -1;
        }

        int n = 0;
        Append(line, ref n, proxy ? "Proxy-Authenticate: Digest realm=\""u8 : "WWW-Authenticate: Digest realm=\""u8);
        Append(line, ref n, realm);
        Append(line, ref n, "\", nonce=\""u8);
        nonce.Write(_secret, line[n..]);
        n += Nonce.TextLength;
        line[n++] = (byte)'"';
        if (options.Qop != 0)
        {
            Append(line, ref n, ", qop=\""u8);
            Append(line, ref n, options.QopText);
            line[n++] = (byte)'"';
        }

        if (stale)
        {
            Append(line, ref n, ", stale=true"u8);
        }

        if (withAlgorithm)
        {
            Append(line, ref n, ", algorithm="u8);
            Append(line, ref n, DigestAlgorithms.Name(nonce.Algorithm));
        }

        Append(line, ref n, "\r\n"u8);
        return n;
    }

    private static void Append(Span<byte> line, ref int n, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(line[n..]);
        n += bytes.Length;
    }
}
