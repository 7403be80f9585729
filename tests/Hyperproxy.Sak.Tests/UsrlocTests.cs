namespace Hyperproxy.Sak.Tests;

public sealed class UsrlocTests : IClassFixture<UsrlocKamailio>
{
    private readonly UsrlocKamailio _kamailio;

    public UsrlocTests(UsrlocKamailio kamailio) => _kamailio = kamailio;

    [Fact]
    public void UsrlocRegistersMessagesItselfThroughKamailioAndRemovesEachBinding()
    {
        var (code, output, error) = Peers.Sak("-U", "-b", "1", "-e", "3", "-s", _kamailio.Uri("alice"));
        Assert.True(code == 0, output + error);
        for (int n = 1; n <= 3; n++)
        {
            Assert.Contains($"registering user alice{n} ... SIP/2.0 200 OK", output, StringComparison.Ordinal);
            Assert.Contains($"sending message to alice{n} through the server ... SIP/2.0 200 OK", output, StringComparison.Ordinal);
            Assert.Contains($"removing binding of alice{n} ... SIP/2.0 200 OK", output, StringComparison.Ordinal);
        }
        Assert.Contains("3 user(s) registered, messaged and removed", output, StringComparison.Ordinal);
    }

    [Fact]
    public void UsrlocWithAPathThroughOurselvesStillReachesUs()
    {
        int local = Peers.FreeUdpPort();
        var (code, output, error) = Peers.Sak("-U", "-l", local.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--path", $"sip:127.0.0.1:{local};lr", "-s", _kamailio.Uri("pathuser"));
        Assert.True(code == 0, output + error);
        Assert.Contains($"\tPath: <sip:127.0.0.1:{local};lr>", output, StringComparison.Ordinal);
        Assert.Contains("the MESSAGE reached us and was answered 200", output, StringComparison.Ordinal);
    }

    [Fact]
    public void MessageToAnUnregisteredUserGets404AndExitsOne()
    {
        var (code, output, _) = Peers.Sak("-M", "-B", "hi", "-s", _kamailio.Uri("nobody"));
        Assert.Equal("SIP/2.0 404 Not Found", output.Trim());
        Assert.Equal(1, code);
    }

    [Fact]
    public void TracerouteListsThe483HopThenTheFinalAnswerAndExitsLikeSipsak()
    {
        var (code, output, _) = Peers.Sak("-T", "-s", _kamailio.Uri());
        var sipsak = Peers.Exec("sipsak", $"-T -s {_kamailio.Uri()}");
        string[] lines = output.Trim().Split('\n');
        Assert.StartsWith("0: ", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("SIP/2.0 483 Too Many Hops", lines[0].TrimEnd(), StringComparison.Ordinal);
        Assert.StartsWith("1: ", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("SIP/2.0 200 OK", lines[1].TrimEnd(), StringComparison.Ordinal);
        Assert.Contains("483 Too Many Hops", sipsak.Out, StringComparison.Ordinal);
        Assert.Contains("200 OK", sipsak.Out, StringComparison.Ordinal);
        Assert.Equal(0, code);
        Assert.Equal(sipsak.Code, code);
    }

    [Fact]
    public void PreloadedRouteIsSentToTheFirstRouteAndKamailioAnswers()
    {
        var (code, output, _) = Peers.Sak("--route", $"sip:127.0.0.1:{_kamailio.Port};lr", "-s", "sip:somebody@example.invalid");
        Assert.Equal(0, code);
        Assert.Equal("SIP/2.0 200 OK", output.Trim());
    }

    [Fact]
    public void InviteModeWithUsrlocCallsItselfThroughKamailioFollowingItsRecordRoute()
    {
        var (code, output, error) = Peers.Sak("-U", "-I", "-s", _kamailio.Uri("carol"));
        Assert.True(code == 0, output + error);
        Assert.Contains("registering user carol ... SIP/2.0 200 OK", output, StringComparison.Ordinal);
        Assert.Contains("calling carol ... SIP/2.0 200 OK", output, StringComparison.Ordinal);
        Assert.Contains("the INVITE reached us and was answered 180 and 200", output, StringComparison.Ordinal);
        // Kamailio's record_route(): its own address with lr (and the ftag parameter) becomes our route set.
        Assert.Contains($"\tRoute: <sip:127.0.0.1:{_kamailio.Port};lr", output, StringComparison.Ordinal);
        Assert.Contains("ACK sent; it reached us", output, StringComparison.Ordinal);
        Assert.Contains("hanging up carol ... SIP/2.0 200 OK", output, StringComparison.Ordinal);
        Assert.Contains("removing binding of carol ... SIP/2.0 200 OK", output, StringComparison.Ordinal);
        Assert.Contains("1 user(s) registered, called and removed", output, StringComparison.Ordinal);
    }

    [Fact]
    public void InviteModeAloneToAnUnregisteredUserGets404AndExitsOne()
    {
        var (code, output, _) = Peers.Sak("-I", "-s", _kamailio.Uri("nobody"));
        Assert.Equal(1, code);
        Assert.Contains("calling nobody ... SIP/2.0 404 Not Found", output, StringComparison.Ordinal);
    }

    [Fact]
    public void CallBenchWithRegisteredCalleesIsRoutedByLookupAndFollowsKamailiosRecordRoute()
    {
        var (code, output, error) = Peers.Sak("bench", "--target", $"127.0.0.1:{_kamailio.Port}", "--scenario", "call", "--register-callee",
            "--users", "50", "--count", "2000", "--window", "32", "--json");
        Assert.True(code == 0, output + error);
        using System.Text.Json.JsonDocument json = System.Text.Json.JsonDocument.Parse(output);
        System.Text.Json.JsonElement r = json.RootElement;
        Assert.Equal(2000, r.GetProperty("calls_completed").GetInt64());
        Assert.Equal(2000, r.GetProperty("by_class").GetProperty("2xx").GetInt64());
        // The ACK and BYE reach the callee only if Kamailio's loose_route() found its own Route:
        // without the Route set it answers in-dialog requests 404 (kamailio/usrloc.cfg).
        Assert.Equal(2000, r.GetProperty("callee_acks").GetInt64());
        Assert.Equal(2000, r.GetProperty("callee_byes").GetInt64());
        Assert.Equal(0, r.GetProperty("timeouts").GetInt64());
    }

    [Fact]
    public void CallBenchToCalleesKamailioDoesNotKnowCountsEveryCallFailedWith404AndExitsOne()
    {
        var (code, output, error) = Peers.Sak("bench", "--target", $"127.0.0.1:{_kamailio.Port}", "--scenario", "call",
            "--count", "300", "--window", "16", "--json");
        Assert.True(code == 1, output + error);
        using System.Text.Json.JsonDocument json = System.Text.Json.JsonDocument.Parse(output);
        System.Text.Json.JsonElement r = json.RootElement;
        Assert.Equal(300, r.GetProperty("calls_failed").GetInt64());
        Assert.Equal(300, r.GetProperty("by_status").GetProperty("404").GetInt64());
        Assert.Equal(0, r.GetProperty("calls_completed").GetInt64());
        Assert.Equal(0, r.GetProperty("callee_invites").GetInt64());
        Assert.Equal(0, r.GetProperty("timeouts").GetInt64());
        Assert.Equal(0, r.GetProperty("write_errors").GetInt64());
    }
}
