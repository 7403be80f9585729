using System.Text;
using System.Text.RegularExpressions;
using Hyperproxy.Sip.Auth;

namespace Hyperproxy.Modules.Tests.Auth;

/// <summary>
/// A db_text directory with a subscriber table (alice/secret, bob/hunter2 in example.com), a harness running an auth
/// script over it, and a UA side that answers challenges with <see cref="DigestCalculator"/>.
/// </summary>
internal sealed partial class AuthRig : IDisposable
{
    public const string Script = """
        route {
            www_authorize("", "subscriber");
            $var(rc) = $retcode;
            if ($var(rc) == 1) { sl_send_reply(200, "OK"); exit; }
            if ($var(rc) == -4 || $var(rc) == -3) { www_challenge("", "QOP", "ALGS"); }
            sl_send_reply(403, "Forbidden $var(rc)");
        }
        """;

    public AuthRig(string qop = "auth", string algorithms = "", string extraModparams = "", string? script = null, bool calculateHa1 = false)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("hp-auth-").FullName;
        File.WriteAllText(System.IO.Path.Combine(Directory, "subscriber"), SubscriberFile());
        File.WriteAllText(System.IO.Path.Combine(Directory, "uri"),
            "id(int,auto) username(string) domain(string) uri_user(string)\n1:alice:example.com:alice\n2:alice:example.com:sales\n");
        string modparams = $"""
            loadmodule "db_text.so"
            loadmodule "auth.so"
            loadmodule "auth_db.so"
            modparam("auth_db", "db_url", "text://{Directory}")
            {(calculateHa1 ? "modparam(\"auth_db\", \"calculate_ha1\", 1)\nmodparam(\"auth_db\", \"password_column\", \"password\")" : string.Empty)}
            {extraModparams}
            """;
        Harness = new ModuleHarness((script ?? Script).Replace("QOP", qop).Replace("ALGS", algorithms), modparams);
    }

    public string Directory { get; }

    public ModuleHarness Harness { get; }

    public static string SubscriberFile()
    {
        var sb = new StringBuilder("id(int,auto) username(string) domain(string) password(string) ha1(string) ha1_sha256(string) ha1_sha512t256(string)\n");
        foreach ((string user, string password) in new[] { ("alice", "secret"), ("bob", "hunter2") })
        {
            sb.Append($":{user}:example.com:{password}:{Ha1(DigestAlgorithm.Md5, user, "example.com", password)}:{Ha1(DigestAlgorithm.Sha256, user, "example.com", password)}:x\n");
        }

        return sb.ToString();
    }

    public static string Ha1(DigestAlgorithm a, string user, string realm, string password)
    {
        Span<byte> hex = stackalloc byte[64];
        DigestCalculator.Ha1(a, Encoding.UTF8.GetBytes(user), Encoding.UTF8.GetBytes(realm), Encoding.UTF8.GetBytes(password), hex);
        return Encoding.ASCII.GetString(hex[..DigestAlgorithms.HexLength(a)]);
    }

    public static string Register(string? authorization = null, string user = "alice", string body = "") =>
        "REGISTER sip:example.com SIP/2.0\n" +
        "Via: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-r1\n" +
        "Max-Forwards: 70\n" +
        $"From: <sip:{user}@example.com>;tag=f1\n" +
        $"To: <sip:{user}@example.com>\n" +
        "Call-ID: reg1@example.com\n" +
        "CSeq: 1 REGISTER\n" +
        $"Contact: <sip:{user}@127.0.0.9:40000>\n" +
        (authorization is null ? string.Empty : authorization + "\n") +
        $"Content-Length: {body.Length}\n\n" + body;

    /// <summary>The challenges of a 401 (WWW-Authenticate values).</summary>
    public static List<string> Challenges(Sent reply) => reply.Headers("WWW-Authenticate");

    public static string Param(string header, string name)
    {
        Match m = Regex.Match(header, name + "=(\"([^\"]*)\"|([^,\\s]*))");
        return m.Success ? (m.Groups[2].Success && m.Groups[2].Length > 0 ? m.Groups[2].Value : m.Groups[3].Value) : string.Empty;
    }

    /// <summary>An Authorization header answering <paramref name="challenge"/>.</summary>
    public static string Answer(string challenge, string user = "alice", string password = "secret", string method = "REGISTER",
        string uri = "sip:example.com", string nc = "00000001", string cnonce = "0a4f113b", string? realm = null, string? qop = null,
        string? responseOverride = null, string body = "", string header = "Authorization")
    {
        string r = realm ?? Param(challenge, "realm");
        string nonce = Param(challenge, "nonce");
        string algName = Param(challenge, "algorithm");
        DigestAlgorithms.TryParse(Encoding.ASCII.GetBytes(algName), out DigestAlgorithm alg);
        string q = qop ?? (Param(challenge, "qop").Length > 0 ? Param(challenge, "qop").Split(',')[0] : string.Empty);
        int len = DigestAlgorithms.HexLength(alg);
        Span<byte> ha1 = stackalloc byte[64];
        DigestCalculator.Ha1(alg, B(user), B(r), B(password), ha1);
        if (DigestAlgorithms.IsSession(alg))
        {
            Span<byte> s = stackalloc byte[64];
            DigestCalculator.Ha1Session(alg, ha1[..len], B(nonce), B(cnonce), s);
            s.CopyTo(ha1);
        }

        Span<byte> bodyHash = stackalloc byte[64];
        DigestCalculator.Hash(alg, B(body), bodyHash);
        Span<byte> ha2 = stackalloc byte[64];
        DigestCalculator.Ha2(alg, B(method), B(uri), q == "auth-int" ? bodyHash[..len] : default, ha2);
        Span<byte> resp = stackalloc byte[64];
        DigestCalculator.Response(alg, ha1[..len], B(nonce), q.Length > 0 ? B(nc) : default, q.Length > 0 ? B(cnonce) : default, B(q), ha2[..len], resp);
        string response = responseOverride ?? Encoding.ASCII.GetString(resp[..len]);
        var sb = new StringBuilder($"{header}: Digest username=\"{user}\", realm=\"{r}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\"");
        if (algName.Length > 0)
        {
            sb.Append(", algorithm=").Append(algName);
        }

        if (q.Length > 0)
        {
            sb.Append($", qop={q}, nc={nc}, cnonce=\"{cnonce}\"");
        }

        return sb.ToString();
    }

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, true);
        }
        catch (IOException)
        {
        }
    }
}
