using System.Net;

namespace Hyperproxy.Sak.Tests;

public sealed class LocalPeerTests
{
    [Fact]
    public void TracerouteStopsWhenEveryHopAnswers483()
    {
        using var server = new FakeServer(IPAddress.Loopback, "483 Too Many Hops");
        var (code, output, _) = Peers.Sak("-T", "-s", $"sip:test@127.0.0.1:{server.Port}");
        string[] lines = output.Trim().Split('\n');
        Assert.Equal(1, code);
        Assert.Contains("same 483 answer came back", lines[^1], StringComparison.Ordinal);
        Assert.True(lines.Length <= 70, output);
    }

    [Fact]
    public void TracerouteStopsAtTheHopBoundGivenWithMinusM()
    {
        using var server = new FakeServer(IPAddress.Loopback, "483 Too Many Hops");
        var (code, output, _) = Peers.Sak("-T", "-m", "3", "-s", $"sip:test@127.0.0.1:{server.Port}");
        Assert.Equal(1, code);
        Assert.Contains("no final answer within 3 hops", output, StringComparison.Ordinal);
        Assert.Equal(5, output.Trim().Split('\n').Length);
        Assert.StartsWith("3: ", output.Trim().Split('\n')[3], StringComparison.Ordinal);
    }

    [Fact]
    public void PingReachesAnIPv6Target()
    {
        using var server = new FakeServer(IPAddress.IPv6Loopback, "200 OK");
        var (code, output, error) = Peers.Sak("-s", $"sip:test@[::1]:{server.Port}");
        Assert.True(code == 0, error);
        Assert.Equal("SIP/2.0 200 OK", output.Trim());
    }

    [Fact]
    public void PingFromAGivenLocalIPv6AddressWritesItInTheVia()
    {
        using var server = new FakeServer(IPAddress.IPv6Loopback, "200 OK");
        var (code, output, _) = Peers.Sak("-v", "-k", "::1", "-s", $"sip:test@[::1]:{server.Port}");
        Assert.Equal(0, code);
        Assert.Contains("Via: SIP/2.0/UDP [::1]:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void PingThatNobodyAnswersTimesOutWithExitThree()
    {
        using var silent = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
            System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)silent.LocalEndPoint!).Port;
        var (code, output, error) = Peers.Sak("-Z", "20", "-D", "8", "-s", $"sip:test@127.0.0.1:{port}");
        Assert.Equal(3, code);
        Assert.Equal("", output);
        Assert.Contains("timeout", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A401IsAnsweredOnceWithDigestCredentials()
    {
        using var server = new FakeServer(IPAddress.Loopback, "401 Unauthorized");
        var (code, output, _) = Peers.Sak("-a", "secret", "-s", $"sip:test@127.0.0.1:{server.Port}");
        // The fake challenges without WWW-Authenticate: hypersak gives up after the first answer.
        Assert.Equal(1, code);
        Assert.Equal("SIP/2.0 401 Unauthorized", output.Trim());
    }
}
