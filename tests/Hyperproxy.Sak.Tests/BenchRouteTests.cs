using System.Text.Json;

namespace Hyperproxy.Sak.Tests;

/// <summary>
/// `bench --route`: every scenario's requests carry the pre-loaded Route set and are sent to the
/// first route's address. The Hyperproxy server is the route (it pops its own Route entry and
/// forwards to the Request-URI), Kamailio the target.
/// </summary>
public sealed class BenchRouteTests : IClassFixture<HyperproxyPeer>, IClassFixture<UsrlocKamailio>
{
    private readonly HyperproxyPeer _proxy;
    private readonly UsrlocKamailio _kamailio;

    public BenchRouteTests(HyperproxyPeer proxy, UsrlocKamailio kamailio)
    {
        _proxy = proxy;
        _kamailio = kamailio;
    }

    private string Route => $"sip:127.0.0.1:{_proxy.Port};lr";

    private string Target => $"127.0.0.1:{_kamailio.Port}";

    private static JsonElement Run(out string error, params string[] args)
    {
        var (code, output, err) = Peers.Sak(args);
        error = err;
        Assert.True(code == 0, output + err);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    [Fact]
    public void OptionsBenchThroughHyperproxyAsRouteGetsKamailiosAnswers()
    {
        JsonElement r = Run(out string error, "bench", "--target", Target, "--route", Route, "--count", "3000", "--window", "32", "--json");
        Assert.Equal(3000, r.GetProperty("by_status").GetProperty("200").GetInt64());
        Assert.Contains($"route {Route} (sent to 127.0.0.1:{_proxy.Port})", error, StringComparison.Ordinal);
    }

    [Fact]
    public void RegisterBenchThroughHyperproxyAsRouteRegistersAtKamailio()
    {
        JsonElement r = Run(out _, "bench", "--target", Target, "--route", Route, "--scenario", "register", "--users", "200", "--count", "400", "--window", "16", "--json");
        Assert.Equal(400, r.GetProperty("by_status").GetProperty("200").GetInt64());
        var (_, dump, _) = Peers.Exec("kamcmd", $"-s unix:{_kamailio.ControlSocket} ul.lookup location u042@127.0.0.1");
        Assert.Contains("sip:u042@", dump, StringComparison.Ordinal);
    }

    [Fact]
    public void CallBenchThroughHyperproxyAsRouteCompletesEveryCallAtKamailio()
    {
        JsonElement r = Run(out _, "bench", "--target", Target, "--route", Route, "--scenario", "call", "--register-callee", "--users", "50",
            "--count", "1000", "--window", "16", "--json");
        Assert.Equal(1000, r.GetProperty("calls_completed").GetInt64());
        Assert.Equal(1000, r.GetProperty("callee_invites").GetInt64());
        Assert.Equal(1000, r.GetProperty("callee_acks").GetInt64());
        Assert.Equal(1000, r.GetProperty("callee_byes").GetInt64());
        Assert.Equal(0, r.GetProperty("timeouts").GetInt64());
    }

    [Fact]
    public void ARouteToAClosedPortGetsNoAnswerThoughTheTargetAnswers()
    {
        int closed = Peers.FreeUdpPort();
        var (code, output, error) = Peers.Sak("bench", "--target", Target, "--route", $"<sip:127.0.0.1:{closed};lr>", "--count", "200", "--window", "16", "--timeout-ms", "200", "--json");
        Assert.True(code == 1, output + error);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(0, json.RootElement.GetProperty("received").GetInt64());
        Assert.Equal(200, json.RootElement.GetProperty("timeouts").GetInt64());
    }

    [Fact]
    public void RouteHeadersFollowTheViaInEveryTemplate()
    {
        string[] routes = ["sip:p1.example.com;lr", "<sip:p2.example.com;lr>"];
        byte[] slot = new byte[4096];
        foreach (Hyperproxy.Sak.Bench.RequestTemplate t in new[]
        {
            Hyperproxy.Sak.Bench.RequestTemplate.Options("sip:10.0.0.9:5060", "10.0.0.1:4000", "c@h", routes),
            Hyperproxy.Sak.Bench.RequestTemplate.Register("10.0.0.9:5060", "10.0.0.1:4000", "10.0.0.1:4000", 3, 60, [], routes),
            Hyperproxy.Sak.Bench.RequestTemplate.Invite("10.0.0.9:5060", "10.0.0.1:4000", "c@h", 3, "v=0\r\n", routes),
        })
        {
            string text = System.Text.Encoding.ASCII.GetString(slot, 0, t.Write(slot, 1, 1, 1));
            Assert.Contains(";rport\r\nRoute: <sip:p1.example.com;lr>\r\nRoute: <sip:p2.example.com;lr>\r\nFrom: ", text, StringComparison.Ordinal);
        }
    }
}
