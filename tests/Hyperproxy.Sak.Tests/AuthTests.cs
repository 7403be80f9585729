using System.Globalization;

namespace Hyperproxy.Sak.Tests;

/// <summary>Kamailio registrar that challenges every REGISTER, password "secret" (kamailio/auth.cfg).</summary>
public sealed class AuthKamailio : KamailioPeer
{
    public AuthKamailio()
        : base(Path.Combine(Peers.RepoRoot, "tests", "Hyperproxy.Sak.Tests", "kamailio", "auth.cfg"))
    {
    }
}

public sealed class AuthTests : IClassFixture<AuthKamailio>
{
    private readonly AuthKamailio _kamailio;

    public AuthTests(AuthKamailio kamailio) => _kamailio = kamailio;

    [Fact]
    public void UsrlocWithTheRightPasswordAnswersKamailiosChallengeAndExitsZeroLikeSipsak()
    {
        var (code, output, error) = Peers.Sak("-U", "-a", "secret", "-s", _kamailio.Uri("alice"));
        var sipsak = Peers.Exec("sipsak", $"-U -a secret -s {_kamailio.Uri("alice")}");
        Assert.True(code == 0, output + error);
        Assert.Contains("registering user alice ... SIP/2.0 200 OK", output, StringComparison.Ordinal);
        Assert.Contains("removing binding of alice ... SIP/2.0 200 OK", output, StringComparison.Ordinal);
        Assert.Equal(0, sipsak.Code);
    }

    [Fact]
    public void UsrlocWithoutAPasswordStopsAtThe401AndExitsOne()
    {
        var (code, output, _) = Peers.Sak("-U", "-s", _kamailio.Uri("carol"));
        Assert.Equal(1, code);
        Assert.Contains("registering user carol ... SIP/2.0 401 Unauthorized", output, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongPasswordIsChallengedAgainAndExitsTwoLikeSipsak()
    {
        var (code, output, error) = Peers.Sak("-U", "-a", "wrong", "-s", _kamailio.Uri("bob"));
        var sipsak = Peers.Exec("sipsak", $"-U -a wrong -s {_kamailio.Uri("bob")}");
        Assert.Equal(2, code);
        Assert.Contains("registering user bob ... SIP/2.0 401 Unauthorized", output, StringComparison.Ordinal);
        Assert.Contains("authorization failed", error, StringComparison.Ordinal);
        Assert.Equal(sipsak.Code, code);
    }

    [Fact]
    public void NagiosWithAWrongPasswordSaysFailure()
    {
        var (code, _, _) = Peers.Sak("-U", "-N", "-a", "wrong", "-s", _kamailio.Uri("dave"));
        Assert.Equal(2, code);
    }

    [Fact]
    public void ThePathTheRegistrarEchoesIsPrinted()
    {
        int local = Peers.FreeUdpPort();
        string port = local.ToString(CultureInfo.InvariantCulture);
        var (code, output, error) = Peers.Sak("-U", "-a", "secret", "-l", port, "--path", $"sip:127.0.0.1:{port};lr", "-s", _kamailio.Uri("erin"));
        Assert.True(code == 0, output + error);
        Assert.Contains($"registering user erin ... SIP/2.0 200 OK", output, StringComparison.Ordinal);
        Assert.Contains($"\tPath: <sip:127.0.0.1:{port};lr>\n", output.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("the MESSAGE reached us and was answered 200", output, StringComparison.Ordinal);
    }
}
