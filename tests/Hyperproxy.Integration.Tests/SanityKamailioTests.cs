using System.Net;
using Hyperproxy.Integration.Tests.Infrastructure;
using Hyperproxy.Tests.EndToEnd;

namespace Hyperproxy.Integration.Tests;

/// <summary>
/// sanity_check side by side: the same requests to the real Hyperproxy and to Kamailio 5.6, both running
/// <c>if (!sanity_check("$var(c)", "15")) exit; sl_send_reply(299, "Passed")</c> with autodrop 0 and proxy_require
/// "foo, bar", the checks taken from an X-Checks header. Each must get the same answer (status line and Unsupported
/// header) or, on both, none. Absence is proven without waiting on a clock: a passing request sent right after must
/// be answered first.
/// </summary>
public sealed class SanityKamailioTests
{
    private const string Route = """
            $var(c) = $(hdr(X-Checks){s.int});
            if (!sanity_check("$var(c)", "15")) {
                exit;
            }
            sl_send_reply("299", "Passed");
        """;

    public static TheoryData<string, string, string> Cases => new()
    {
        { "passes", "32767", "" },
        { "expires-letters", "256", "Expires: abc\r\n" },
        { "expires-empty", "256", "Expires: \r\n" },
        { "expires-too-big", "256", "Expires: 99999999999\r\n" },
        { "proxy-require", "512", "Proxy-Require: foo, baz\r\n" },
        { "proxy-require-known", "512", "Proxy-Require: foo, bar\r\n" },
        { "contact-uri", "1024", "Contact: <sip:@@>\r\n" },
        { "digest-empty-nonce", "2048", "Authorization: Digest username=\"a\", realm=\"r\", nonce=\"\", uri=\"sip:x\", response=\"0123\"\r\n" },
        { "digest-empty-user", "2048", "Authorization: Digest username=\"\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0123\"\r\n" },
        { "digest-empty-response", "2048", "Authorization: Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"\"\r\n" },
        { "digest-no-realm", "2048", "Authorization: Digest username=\"a\", nonce=\"n\", uri=\"sip:x\", response=\"0123\"\r\n" },
        { "proxy-digest-empty-nonce", "2048", "Proxy-Authorization: Digest username=\"a\", realm=\"r\", nonce=\"\", uri=\"sip:x\", response=\"0123\"\r\n" },
        { "basic-credentials-2048", "2048", "Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l\r\n" },
        { "basic-credentials-8192", "8192", "Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l\r\n" },
        { "two-from-tags", "4096", "FROMTAG;tag=2" },
        { "two-to-tags", "4096", "TOTAG;tag=1;tag=2" },
    };

    /// <summary>Kamailio and Hyperproxy with the same sanity script, started once for the class.</summary>
    public sealed class Peers : IAsyncLifetime
    {
        private KamailioPeer? _kamailio;
        private HyperproxyProcess? _hyperproxy;

        public string Folder { get; } = SippRun.NewWorkFolder();

        internal KamailioPeer Kamailio => _kamailio ?? throw new InvalidOperationException("not started");

        internal HyperproxyProcess Hyperproxy => _hyperproxy ?? throw new InvalidOperationException("not started");

        public async Task InitializeAsync()
        {
            _kamailio = KamailioPeer.Start(KamailioPeer.ConfigHead + """
                loadmodule "sanity.so"
                modparam("sanity", "autodrop", 0)
                modparam("sanity", "proxy_require", "foo, bar")
                request_route {
                """ + Route + "\n}\n", Folder);
            string config = Path.Combine(Folder, "hyperproxy.cfg");
            await File.WriteAllTextAsync(config, """
                loadmodule "sl.so"
                loadmodule "sanity.so"
                modparam("sanity", "autodrop", 0)
                modparam("sanity", "proxy_require", "foo, bar")
                route {
                """ + Route + "\n}\n");
            _hyperproxy = await HyperproxyProcess.StartOnFreePortAsync(false, 1, "--config", config);
        }

        public async Task DisposeAsync()
        {
            if (_hyperproxy is not null)
            {
                await _hyperproxy.DisposeAsync();
            }

            _kamailio?.Dispose();
            Directory.Delete(Folder, recursive: true);
        }
    }

    public sealed class SideBySide(Peers peers) : IClassFixture<Peers>
    {
        [Theory]
        [MemberData(nameof(Cases), MemberType = typeof(SanityKamailioTests))]
        public async Task HyperproxyAnswersAsKamailioDoes(string name, string checks, string extra)
        {
            string atKamailio = await AnswerAsync(peers.Kamailio.Port, checks, extra);
            string atHyperproxy = await AnswerAsync(peers.Hyperproxy.Port, checks, extra);
            Assert.True(atKamailio == atHyperproxy, $"{name}: kamailio '{atKamailio}', hyperproxy '{atHyperproxy}'\n{peers.Hyperproxy}");
        }
    }

    /// <summary>The status line and Unsupported header of the answer to the case, or "(none)" when a passing request sent after it is answered first.</summary>
    private static async Task<string> AnswerAsync(int port, string checks, string extra)
    {
        using UdpPeer ua = UdpPeer.V4();
        var to = new IPEndPoint(IPAddress.Loopback, port);
        string fromTag = ";tag=1", toTag = "";
        if (extra.StartsWith("FROMTAG", StringComparison.Ordinal))
        {
            fromTag += extra["FROMTAG".Length..];
            extra = "";
        }
        else if (extra.StartsWith("TOTAG", StringComparison.Ordinal))
        {
            toTag = extra["TOTAG".Length..];
            extra = "";
        }

        ua.Send(Request(ua, "case", checks, extra, fromTag, toTag), to);
        ua.Send(Request(ua, "sentinel", "1", "", ";tag=1", ""), to);
        string? answer = null;
        for (int i = 0; i < 4; i++)
        {
            (string Text, IPEndPoint From)? got = await ua.ReceiveAsync(UdpPeer.DefaultWait * 3);
            Assert.True(got is not null, "no answer to the sentinel request");
            string text = got.Value.Text;
            if (text.Contains("Call-ID: sentinel", StringComparison.OrdinalIgnoreCase))
            {
                return answer ?? "(none)";
            }

            string unsupported = SipText.Headers(text, "Unsupported") is { Count: > 0 } u ? " Unsupported: " + string.Join(", ", u) : "";
            answer = SipText.StartLine(text) + unsupported;
        }

        return answer ?? "(none)";
    }

    private static string Request(UdpPeer ua, string callId, string checks, string extra, string fromTag, string toTag) =>
        $"OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {ua.SentBy};branch=z9hG4bK{Guid.NewGuid():N}\r\n"
        + $"From: <sip:alice@127.0.0.1>{fromTag}\r\nTo: <sip:bob@127.0.0.1>{toTag}\r\nCall-ID: {callId}\r\nCSeq: 1 OPTIONS\r\n"
        + $"Max-Forwards: 70\r\nX-Checks: {checks}\r\n{extra}Content-Length: 0\r\n\r\n";
}
