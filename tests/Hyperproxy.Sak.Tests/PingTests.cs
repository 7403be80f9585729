namespace Hyperproxy.Sak.Tests;

public sealed class PingTests : IClassFixture<OptionsKamailio>
{
    private readonly OptionsKamailio _kamailio;

    public PingTests(OptionsKamailio kamailio) => _kamailio = kamailio;

    [Fact]
    public void PingPrintsTheStatusLineAndExitsZeroLikeSipsak()
    {
        var (code, output, error) = Peers.Sak("-s", _kamailio.Uri());
        var sipsak = Peers.Exec("sipsak", $"-s {_kamailio.Uri()}");
        Assert.Equal("SIP/2.0 200 OK", output.Trim());
        Assert.Equal("", error);
        Assert.Equal(0, code);
        Assert.Equal(sipsak.Code, code);
    }

    [Fact]
    public void VerbosePingPrintsTheWholeReplyAsSipsakDoes()
    {
        var (code, output, _) = Peers.Sak("-v", "-s", _kamailio.Uri());
        var sipsak = Peers.Exec("sipsak", $"-v -s {_kamailio.Uri()}");
        Assert.Equal(0, code);
        Assert.StartsWith("SIP/2.0 200 OK", output, StringComparison.Ordinal);
        Assert.Contains("Server: kamailio", output, StringComparison.Ordinal);
        Assert.Contains("CSeq: 1 OPTIONS", output, StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0 200 OK", sipsak.Out, StringComparison.Ordinal);
        Assert.Contains("Server: kamailio", sipsak.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void NagiosPingSaysOkLikeSipsak()
    {
        var (code, output, _) = Peers.Sak("-N", "-s", _kamailio.Uri());
        var sipsak = Peers.Exec("sipsak", $"-N -s {_kamailio.Uri()}");
        Assert.StartsWith("SIP ok", output, StringComparison.Ordinal);
        Assert.StartsWith("SIP ok", sipsak.Out, StringComparison.Ordinal);
        Assert.Equal(sipsak.Code, code);
    }

    [Fact]
    public void MessageToAServerThatRejectsItExitsOneLikeSipsakOnANon2xx()
    {
        var (code, output, _) = Peers.Sak("-M", "-B", "hello", "-s", _kamailio.Uri());
        Assert.Equal("SIP/2.0 501 Not Implemented", output.Trim());
        Assert.Equal(1, code);
    }

    [Fact]
    public void PingToAClosedPortExitsThreeLikeSipsak()
    {
        int closed = Peers.FreeUdpPort();
        var (code, output, error) = Peers.Sak("-s", $"sip:test@127.0.0.1:{closed}");
        var sipsak = Peers.Exec("sipsak", $"-s sip:test@127.0.0.1:{closed}");
        Assert.Equal(3, code);
        Assert.Equal(sipsak.Code, code);
        Assert.Equal("", output);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("refused", error, StringComparison.Ordinal);
    }

    [Fact]
    public void NagiosPingToAClosedPortSaysFailureAndExitsTwoLikeSipsak()
    {
        int closed = Peers.FreeUdpPort();
        var (code, output, _) = Peers.Sak("-N", "-s", $"sip:test@127.0.0.1:{closed}");
        var sipsak = Peers.Exec("sipsak", $"-N -s sip:test@127.0.0.1:{closed}");
        Assert.StartsWith("SIP failure", output, StringComparison.Ordinal);
        Assert.StartsWith("SIP failure", sipsak.Out, StringComparison.Ordinal);
        Assert.Equal(2, code);
        Assert.Equal(sipsak.Code, code);
    }

    [Fact]
    public void FloodSendsExactlyTheCountGivenWithMinusE()
    {
        var (code, output, _) = Peers.Sak("-F", "-e", "5000", "-s", _kamailio.Uri());
        Assert.Equal(0, code);
        Assert.Contains("sent 5000 OPTIONS", output, StringComparison.Ordinal);
    }

    [Fact]
    public void RandtrashReachesItsBoundAgainstAServerThatKeepsAnswering()
    {
        var (code, output, _) = Peers.Sak("-R", "-t", "6", "--seed", "7", "-Z", "25", "-s", _kamailio.Uri());
        Assert.Contains("randtrash: seed 7", output, StringComparison.Ordinal);
        Assert.Contains("answers:", output, StringComparison.Ordinal);
        Assert.Equal(0, code);
        Assert.True(output.Contains("reached the bound of 6", StringComparison.Ordinal)
            || output.Contains("still answers a clean OPTIONS", StringComparison.Ordinal), output);
    }
}
