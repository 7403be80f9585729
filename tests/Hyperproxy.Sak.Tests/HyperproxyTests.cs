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
}
