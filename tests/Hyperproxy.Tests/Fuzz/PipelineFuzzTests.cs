using System.Diagnostics;
using System.Net;
using System.Text;
using Hyperproxy.Modules;
using Hyperproxy.Proxy;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Fuzz;

/// <summary>
/// A mutation fuzz target over the whole request path of one worker (parse, validate, the script with pike,
/// sipmsg_validate, auth_db's www_authorize, www_challenge, forward) without sockets: every corpus message and a
/// correctly authorized REGISTER are mutated (byte flips, digest-shaped insertions, cuts, repeated lines) and fed
/// to <see cref="StatelessProxy.Process"/>, which must never throw. Bounded by a count and a time budget so it runs
/// in CI; the seed is printed, and a failing input is written next to the test output to be added under
/// <c>tests/Corpus/crashers/</c> (every file there is replayed first, as a regression case).
/// </summary>
public sealed class PipelineFuzzTests : IDisposable
{
    private const int Iterations = 40_000;
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(20);

    private static readonly byte[][] s_tokens =
    [
        "\r\n"u8.ToArray(), "\""u8.ToArray(), ","u8.ToArray(), "="u8.ToArray(), "\\"u8.ToArray(), " "u8.ToArray(), "\0"u8.ToArray(),
        "Authorization: Digest "u8.ToArray(), "Proxy-Authorization: Digest "u8.ToArray(), "username=\"alice\", "u8.ToArray(),
        "realm=\"example.com\", "u8.ToArray(), "nonce=\""u8.ToArray(), "qop=auth-int, "u8.ToArray(), "nc=00000001, "u8.ToArray(),
        "algorithm=SHA-256-sess, "u8.ToArray(), "response=\""u8.ToArray(), "cnonce=\"x\""u8.ToArray(), "uri=\"sip:example.com\""u8.ToArray(),
        "Content-Length: 99999\r\n"u8.ToArray(), "Path: <sip:x;lr>\r\n"u8.ToArray(), "Contact: *\r\n"u8.ToArray(),
    ];

    private readonly string _dir;

    public PipelineFuzzTests()
    {
        _dir = Directory.CreateTempSubdirectory("hp-fuzz-").FullName;
        File.WriteAllText(Path.Combine(_dir, "subscriber"),
            "id(int,auto) username(string) domain(string) password(string) ha1(string)\n:alice:example.com:secret:"
            + Md5Hex("alice:example.com:secret") + "\n");
    }

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void HostileBytesNeverThrowThroughTheSecurityScript()
    {
        var catalog = new ModuleCatalog();
        var script = catalog.CompileText($$"""
            loadmodule "sl.so"
            loadmodule "sipmsgops.so"
            loadmodule "pike.so"
            loadmodule "db_text.so"
            loadmodule "auth.so"
            loadmodule "auth_db.so"
            modparam("pike", "reqs_density_per_unit", 1000000)
            modparam("auth_db", "db_url", "text://{{_dir}}")
            modparam("auth", "disable_nonce_check", 1)
            route {
                if (!pike_check_req()) { exit; }
                if (sipmsg_validate("srftc") < 0) { sl_send_reply(400, "Bad Message"); exit; }
                if (!www_authorize("", "subscriber")) { www_challenge("", "auth,auth-int", "SHA-256,MD5-sess,MD5"); exit; }
                consume_credentials();
                if (!check_to()) { sl_send_reply(403, "Forbidden"); exit; }
                if (!forward("127.0.0.2:5070")) { sl_reply_error(); }
            }
            """);
        var resolver = new NextHopResolver(_ => [IPAddress.Loopback]);
        var proxy = new StatelessProxy(new ProxyIdentity([NetAddress.IPv4Loopback(5060)], [null]), resolver, new ProxyCounters[1], 0, script);
        var outgoing = new DatagramBatch(capacity: 64);
        var source = NetAddress.FromIPv4(127, 0, 0, 9, 40000);

        var seeds = new List<byte[]>();
        string corpus = Path.Combine(AppContext.BaseDirectory, "Corpus");
        foreach (string file in Directory.EnumerateFiles(corpus, "*.sip", SearchOption.AllDirectories))
        {
            seeds.Add(File.ReadAllBytes(file));
        }

        byte[] authorized = AuthorizedRegister(proxy, outgoing, source);
        Run(proxy, authorized, authorized.Length, source, outgoing);
        Assert.StartsWith("REGISTER ", Encoding.ASCII.GetString(outgoing.Payload(0))); // it verifies: mutations start deep
        seeds.Add(authorized);
        Assert.True(seeds.Count > 10);

        // Regression cases first (every crasher ever kept), unmutated.
        foreach (byte[] s in seeds)
        {
            Run(proxy, s, s.Length, source, outgoing);
        }

        int seed = Environment.TickCount;
        var rng = new Random(seed);
        var buffer = new byte[8192];
        var sw = Stopwatch.StartNew();
        int done = 0;
        for (; done < Iterations && sw.Elapsed < s_budget; done++)
        {
            byte[] original = seeds[rng.Next(seeds.Count)];
            int length = Mutate(rng, original, buffer);
            try
            {
                Run(proxy, buffer, length, source, outgoing);
            }
            catch (Exception e)
            {
                string path = Path.Combine(AppContext.BaseDirectory, $"crasher-{seed}-{done}.sip");
                File.WriteAllBytes(path, buffer.AsSpan(0, length).ToArray());
                Assert.Fail($"seed {seed}, iteration {done}: {e.GetType().Name}: {e.Message} (input kept in {path})\n{e.StackTrace}");
            }
        }

        Assert.True(done >= 1000, $"only {done} inputs in the budget");
    }

    private static void Run(StatelessProxy proxy, byte[] bytes, int length, in NetAddress source, DatagramBatch outgoing)
    {
        outgoing.Clear();
        proxy.Process(bytes, 0, length, source, 0, outgoing);
    }

    /// <summary>Challenges a REGISTER through the proxy and answers it, so mutations start from credentials that verify.</summary>
    private static byte[] AuthorizedRegister(StatelessProxy proxy, DatagramBatch outgoing, in NetAddress source)
    {
        string register = "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-f1\r\nMax-Forwards: 70\r\n"
            + "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@example.com>\r\nCall-ID: fuzz@x\r\nCSeq: 1 REGISTER\r\n"
            + "Contact: <sip:alice@127.0.0.9:40000>\r\n{AUTH}Content-Length: 0\r\n\r\n";
        byte[] first = Encoding.ASCII.GetBytes(register.Replace("{AUTH}", string.Empty));
        Run(proxy, first, first.Length, source, outgoing);
        string reply = Encoding.ASCII.GetString(outgoing.Payload(0));
        string md5Line = reply.Split("\r\n").First(l => l.EndsWith("algorithm=MD5", StringComparison.Ordinal));
        reply = md5Line;
        int n = reply.IndexOf("nonce=\"", StringComparison.Ordinal) + 7;
        string nonce = reply[n..reply.IndexOf('"', n)];
        string ha1 = Md5Hex("alice:example.com:secret");
        string ha2 = Md5Hex("REGISTER:sip:example.com");
        string response = Md5Hex($"{ha1}:{nonce}:00000001:abc:auth:{ha2}");
        return Encoding.ASCII.GetBytes(register.Replace("{AUTH}",
            $"Authorization: Digest username=\"alice\", realm=\"example.com\", nonce=\"{nonce}\", uri=\"sip:example.com\", response=\"{response}\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"abc\"\r\n"));
    }

    private static int Mutate(Random rng, byte[] original, byte[] buffer)
    {
        int length = Math.Min(original.Length, buffer.Length);
        original.AsSpan(0, length).CopyTo(buffer);
        int count = rng.Next(1, 6);
        for (int i = 0; i < count && length > 0; i++)
        {
            int pos = rng.Next(length);
            switch (rng.Next(6))
            {
                case 0:
                    buffer[pos] = (byte)rng.Next(256);
                    break;
                case 1:
                    buffer[pos] ^= (byte)(1 << rng.Next(8));
                    break;
                case 2:
                    byte[] token = s_tokens[rng.Next(s_tokens.Length)];
                    if (length + token.Length <= buffer.Length)
                    {
                        buffer.AsSpan(pos, length - pos).CopyTo(buffer.AsSpan(pos + token.Length));
                        token.CopyTo(buffer, pos);
                        length += token.Length;
                    }

                    break;
                case 3:
                    length = pos; // cut
                    break;
                case 4:
                    int span = Math.Min(rng.Next(1, 200), length - pos);
                    if (length + span <= buffer.Length)
                    {
                        buffer.AsSpan(pos, length - pos).CopyTo(buffer.AsSpan(pos + span));
                        length += span; // repeat a stretch
                    }

                    break;
                default:
                    int remove = Math.Min(rng.Next(1, 40), length - pos);
                    buffer.AsSpan(pos + remove, length - pos - remove).CopyTo(buffer.AsSpan(pos));
                    length -= remove;
                    break;
            }
        }

        return length;
    }

    private static string Md5Hex(string s) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.ASCII.GetBytes(s)));
}
