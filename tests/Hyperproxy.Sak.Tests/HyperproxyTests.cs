using System.Text.Json;

namespace Hyperproxy.Sak.Tests;

public sealed class HyperproxyTests : IClassFixture<HyperproxyPeer>
{
    private readonly HyperproxyPeer _server;

    public HyperproxyTests(HyperproxyPeer server) => _server = server;

    [Fact]
    public void PingAgainstHyperproxyGets200AndTheSameExitCodeAsSipsak()
    {
        var (code, output, _) = Peers.Sak("-s", _server.Uri());
        var sipsak = Peers.Exec("sipsak", $"-s {_server.Uri()}");
        Assert.Equal("SIP/2.0 200 OK", output.Trim());
        Assert.Equal(0, code);
        Assert.Equal(sipsak.Code, code);
    }

    [Fact]
    public void NagiosPingAgainstHyperproxySaysOkWithTheRoundTripAsPerfdata()
    {
        var (code, output, _) = Peers.Sak("-N", "-s", _server.Uri());
        var sipsak = Peers.Exec("sipsak", $"-N -s {_server.Uri()}");
        Assert.Equal(0, code);
        Assert.Equal(sipsak.Code, code);
        Assert.StartsWith("SIP ok", sipsak.Out, StringComparison.Ordinal);
        Assert.Matches(@"^SIP ok: SIP/2\.0 200 OK \| rtt=\d+\.\d{3}ms;;;0 retransmissions=0;;;0$", output.Trim());
    }

    [Fact]
    public void NagiosRoundTripThresholdsGiveWarningAndCriticalWithTheirExitCodes()
    {
        var (ok, okOutput, _) = Peers.Sak("-N", "--rtt-warning", "60000", "--rtt-critical", "120000", "-W", "3", "-s", _server.Uri());
        Assert.Equal(0, ok);
        Assert.Matches(@"^SIP ok: SIP/2\.0 200 OK \| rtt=\d+\.\d{3}ms;60000;120000;0 retransmissions=0;3;;0$", okOutput.Trim());

        // Any real round trip takes more than 0 ms.
        var (warning, warningOutput, _) = Peers.Sak("-N", "--rtt-warning", "0", "-s", _server.Uri());
        Assert.Equal(1, warning);
        Assert.Matches(@"^SIP warning: SIP/2\.0 200 OK, round trip \d+\.\d{3} ms > 0 ms \| rtt=\d+\.\d{3}ms;0;;0 ", warningOutput.Trim());

        var (critical, criticalOutput, _) = Peers.Sak("-N", "--rtt-warning", "0", "--rtt-critical=0", "-s", _server.Uri());
        Assert.Equal(2, critical);
        Assert.StartsWith("SIP failure: SIP/2.0 200 OK, round trip ", criticalOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void NagiosPingToNothingListeningIsCriticalLikeSipsak()
    {
        int closed = Peers.FreeUdpPort();
        var (code, output, _) = Peers.Sak("-N", "--rtt-warning", "100", "-s", $"sip:test@127.0.0.1:{closed}");
        var sipsak = Peers.Exec("sipsak", $"-N -s sip:test@127.0.0.1:{closed}");
        Assert.Equal(2, code);
        Assert.Equal(sipsak.Code, code);
        Assert.StartsWith("SIP failure", output, StringComparison.Ordinal);
        Assert.StartsWith("SIP failure", sipsak.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void TracerouteAgainstHyperproxyEndsWithItsFinalAnswerLikeSipsak()
    {
        var (code, output, _) = Peers.Sak("-T", "-s", _server.Uri());
        var sipsak = Peers.Exec("sipsak", $"-T -s {_server.Uri()}");
        string[] lines = output.Trim().Split('\n');
        Assert.Contains("SIP/2.0 200 OK", lines[^2], StringComparison.Ordinal);
        Assert.Equal(0, code);
        Assert.Equal(sipsak.Code, code);
    }

    [Fact]
    public void CountLimitedBenchAgainstHyperproxyGetsEveryOptionsAnswered()
    {
        var (code, output, error) = Peers.Sak("bench", "--target", $"127.0.0.1:{_server.Port}", "--count", "20000", "--window", "64", "--json");
        Assert.True(code == 0, output + error);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(20000, json.RootElement.GetProperty("received").GetInt64());
        Assert.Equal(20000, json.RootElement.GetProperty("by_class").GetProperty("2xx").GetInt64());
    }

    [Fact]
    public void InviteModeThroughHyperproxyAsOutboundProxyReachesUsAndHangsUp()
    {
        int local = Peers.FreeUdpPort();
        string port = local.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (code, output, error) = Peers.Sak("-I", "-l", port, "-p", $"127.0.0.1:{_server.Port}", "-s", $"sip:me@127.0.0.1:{port}");
        Assert.True(code == 0, output + error);
        Assert.Contains("calling me ... SIP/2.0 200 OK", output, StringComparison.Ordinal);
        Assert.Contains("the INVITE reached us and was answered 180 and 200", output, StringComparison.Ordinal);
        Assert.Contains("ACK sent; it reached us", output, StringComparison.Ordinal);
        Assert.Contains("hanging up me ... SIP/2.0 200 OK", output, StringComparison.Ordinal);
    }

    [Fact]
    public void CallBenchThroughHyperproxyCompletesEveryCallWithHypersakAsCallee()
    {
        var (code, output, error) = Peers.Sak("bench", "--target", $"127.0.0.1:{_server.Port}", "--scenario", "call", "--count", "3000", "--window", "32", "--json");
        Assert.True(code == 0, output + error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement r = json.RootElement;
        Assert.Equal("call", r.GetProperty("scenario").GetString());
        Assert.Equal(3000, r.GetProperty("sent").GetInt64());
        Assert.Equal(3000, r.GetProperty("by_status").GetProperty("200").GetInt64());
        Assert.Equal(3000, r.GetProperty("calls_completed").GetInt64());
        Assert.Equal(0, r.GetProperty("calls_failed").GetInt64());
        Assert.Equal(0, r.GetProperty("timeouts").GetInt64());
        Assert.Equal(3000, r.GetProperty("callee_invites").GetInt64());
        Assert.Equal(3000, r.GetProperty("callee_acks").GetInt64());
        Assert.Equal(3000, r.GetProperty("callee_byes").GetInt64());
        Assert.Equal(3000, r.GetProperty("bye_by_status").GetProperty("200").GetInt64());
        Assert.Equal(6 * 3000, r.GetProperty("messages_sent").GetInt64());
        Assert.Equal(6 * 3000, r.GetProperty("messages_received").GetInt64());
        Assert.True(r.GetProperty("p50_us").GetDouble() > 0);
        Assert.True(r.GetProperty("bye_p50_us").GetDouble() > 0);
    }
}
