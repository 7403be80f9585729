using Hyperproxy.Modules.Auth;

namespace Hyperproxy.Modules.Tests.Auth;

public sealed class AuthorizeTests
{
    private static Sent One(AuthRig rig, string request)
    {
        List<Sent> sent = rig.Harness.Run(request);
        Assert.Single(sent);
        return sent[0];
    }

    private static string Challenge(AuthRig rig)
    {
        Sent r = One(rig, AuthRig.Register());
        Assert.Equal("SIP/2.0 401 Unauthorized", r.StartLine);
        return Assert.Single(AuthRig.Challenges(r));
    }

    [Fact]
    public void RegisterWithoutCredentialsIsChallengedWithRealmFromToAndQopAuth()
    {
        using var rig = new AuthRig();
        string c = Challenge(rig);
        Assert.StartsWith("Digest realm=\"example.com\", nonce=\"", c);
        Assert.EndsWith(", qop=\"auth\"", c);
        Assert.DoesNotContain("algorithm", c);
        Assert.DoesNotContain("opaque", c);
    }

    [Fact]
    public void RightPasswordIsAuthorized()
    {
        using var rig = new AuthRig();
        string c = Challenge(rig);
        Assert.Equal("SIP/2.0 200 OK", One(rig, AuthRig.Register(AuthRig.Answer(c))).StartLine);
    }

    [Fact]
    public void QoplessResponseToAQopChallengeIsAccepted()
    {
        using var rig = new AuthRig();
        string c = Challenge(rig);
        Assert.Equal("SIP/2.0 200 OK", One(rig, AuthRig.Register(AuthRig.Answer(c, qop: string.Empty))).StartLine);
    }

    [Fact]
    public void ChallengeWithoutQopIsAnsweredRfc2069Style()
    {
        using var rig = new AuthRig(qop: string.Empty);
        string c = Challenge(rig);
        Assert.DoesNotContain("qop", c);
        Assert.Equal("SIP/2.0 200 OK", One(rig, AuthRig.Register(AuthRig.Answer(c))).StartLine);
    }

    [Fact]
    public void WrongPasswordReturnsMinus2()
    {
        using var rig = new AuthRig();
        string c = Challenge(rig);
        Assert.Equal("SIP/2.0 403 Forbidden -2", One(rig, AuthRig.Register(AuthRig.Answer(c, password: "wrong"))).StartLine);
    }

    [Fact]
    public void UnknownUserReturnsMinus1()
    {
        using var rig = new AuthRig();
        string c = Challenge(rig);
        Assert.Equal("SIP/2.0 403 Forbidden -1", One(rig, AuthRig.Register(AuthRig.Answer(c, user: "mallory"), user: "mallory")).StartLine);
    }

    [Fact]
    public void CredentialsForAnotherRealmAreNoCredentials()
    {
        using var rig = new AuthRig();
        string c = Challenge(rig);
        Sent r = One(rig, AuthRig.Register(AuthRig.Answer(c, realm: "other.net")));
        Assert.Equal("SIP/2.0 401 Unauthorized", r.StartLine);
        Assert.DoesNotContain("stale", AuthRig.Challenges(r)[0]);
    }

    [Fact]
    public void WrongMethodOrUriInTheHashIsInvalidPassword()
    {
        using var rig = new AuthRig();
        string c = Challenge(rig);
        Assert.Equal("SIP/2.0 403 Forbidden -2", One(rig, AuthRig.Register(AuthRig.Answer(c, method: "INVITE"))).StartLine);
        c = Challenge(rig);
        // The digest uri is used as sent (not compared with the R-URI): a response over another uri than the one
        // in the credentials fails, one over the credentials' own uri passes.
        string forged = AuthRig.Answer(c).Replace("uri=\"sip:example.com\"", "uri=\"sip:other.com\"");
        Assert.Equal("SIP/2.0 403 Forbidden -2", One(rig, AuthRig.Register(forged)).StartLine);
    }

    [Fact]
    public void UpperCaseResponseHexIsRefusedAsOpenSipsDoes()
    {
        using var rig = new AuthRig();
        string c = Challenge(rig);
        string answer = AuthRig.Answer(c);
        string response = AuthRig.Param(answer, "response");
        Assert.Equal("SIP/2.0 403 Forbidden -2", One(rig, AuthRig.Register(answer.Replace(response, response.ToUpperInvariant()))).StartLine);
    }

    [Fact]
    public void ReplayedNcIsStaleAndTheNextChallengeSaysSo()
    {
        using var rig = new AuthRig();
        string c = Challenge(rig);
        string answer = AuthRig.Answer(c);
        Assert.Equal("SIP/2.0 200 OK", One(rig, AuthRig.Register(answer)).StartLine);
        Sent replay = One(rig, AuthRig.Register(answer));
        Assert.Equal("SIP/2.0 401 Unauthorized", replay.StartLine);
        Assert.Contains(", stale=true", AuthRig.Challenges(replay)[0]);
    }

    [Fact]
    public void AParkedRequestRunAgainMayPresentTheNcItsFirstRunSpentButNotAnOlderOne()
    {
        // A request parked by save()/lookup() on a Redis store runs again from the start of the route: its
        // www_authorize sees the nc its own first run recorded, and must not answer it 401 stale.
        using var rig = new AuthRig();
        string c = Challenge(rig);
        string first = AuthRig.Answer(c, nc: "00000002");
        Assert.Equal("SIP/2.0 200 OK", One(rig, AuthRig.Register(first)).StartLine);
        rig.Harness.Context.Resumed = true;
        try
        {
            Assert.Equal("SIP/2.0 200 OK", One(rig, AuthRig.Register(first)).StartLine);
            Assert.Equal("SIP/2.0 401 Unauthorized", One(rig, AuthRig.Register(AuthRig.Answer(c, nc: "00000001", cnonce: "older"))).StartLine);
        }
        finally
        {
            rig.Harness.Context.Resumed = false;
        }

        Assert.Equal("SIP/2.0 401 Unauthorized", One(rig, AuthRig.Register(first)).StartLine);
    }

    [Fact]
    public void HigherNcOnTheSameNonceIsAccepted()
    {
        using var rig = new AuthRig();
        string c = Challenge(rig);
        Assert.Equal("SIP/2.0 200 OK", One(rig, AuthRig.Register(AuthRig.Answer(c, nc: "00000001"))).StartLine);
        Assert.Equal("SIP/2.0 200 OK", One(rig, AuthRig.Register(AuthRig.Answer(c, nc: "00000002", cnonce: "b"))).StartLine);
        Assert.Equal("SIP/2.0 401 Unauthorized", One(rig, AuthRig.Register(AuthRig.Answer(c, nc: "00000002", cnonce: "c"))).StartLine);
    }

    [Fact]
    public void QoplessNonceIsUsableOnce()
    {
        using var rig = new AuthRig(qop: string.Empty);
        string c = Challenge(rig);
        string answer = AuthRig.Answer(c);
        Assert.Equal("SIP/2.0 200 OK", One(rig, AuthRig.Register(answer)).StartLine);
        Assert.Equal("SIP/2.0 401 Unauthorized", One(rig, AuthRig.Register(answer)).StartLine);
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef01234567")]
    [InlineData("deadbeef")]
    [InlineData("")]
    public void ForgedNonceIsStale(string nonce)
    {
        using var rig = new AuthRig();
        string c = Challenge(rig);
        string answer = AuthRig.Answer(c.Replace(AuthRig.Param(c, "nonce"), nonce));
        Sent r = One(rig, AuthRig.Register(answer));
        Assert.Equal("SIP/2.0 401 Unauthorized", r.StartLine);
        Assert.Contains("stale=true", AuthRig.Challenges(r)[0]);
    }

    [Fact]
    public void NonceIssuedOnOneWorkerIsAcceptedOnceOnAnother()
    {
        using var rig = new AuthRig();
        string c = Challenge(rig); // issued by the harness's context (worker 1)
        var worker2 = rig.Harness.Script.CreateContext(rig.Harness);
        byte[] request = System.Text.Encoding.UTF8.GetBytes(AuthRig.Register(AuthRig.Answer(c)).ReplaceLineEndings("\r\n"));
        rig.Harness.Sent.Clear();
        rig.Harness.RunBytes(request, request.Length, 0, ModuleHarness.Uac, worker2);
        Assert.Equal("SIP/2.0 200 OK", Assert.Single(rig.Harness.Sent).StartLine);
        rig.Harness.Sent.Clear();
        rig.Harness.RunBytes(request, request.Length, 0, ModuleHarness.Uac); // the replay, back on worker 1
        Assert.Equal("SIP/2.0 401 Unauthorized", Assert.Single(rig.Harness.Sent).StartLine);
    }

    [Fact]
    public void NonceOfAnotherStartIsStale()
    {
        using var first = new AuthRig();
        using var second = new AuthRig();
        string c = Challenge(first);
        Assert.Equal("SIP/2.0 401 Unauthorized", One(second, AuthRig.Register(AuthRig.Answer(c))).StartLine);
    }

    [Fact]
    public void ExpiredNonceIsStale()
    {
        using var rig = new AuthRig(extraModparams: "modparam(\"auth\", \"nonce_expire\", 1)");
        string c = Challenge(rig);
        // Bounded wait for the process clock to pass the nonce's expiry (at most 1 + 1 s).
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(3) && AuthModuleClock() < ExpiryOf(c))
        {
            Thread.Sleep(50);
        }

        Sent r = One(rig, AuthRig.Register(AuthRig.Answer(c)));
        Assert.Equal("SIP/2.0 401 Unauthorized", r.StartLine);
        Assert.Contains("stale=true", AuthRig.Challenges(r)[0]);
    }

    private static uint AuthModuleClock() => (uint)(System.Diagnostics.Stopwatch.GetTimestamp() / System.Diagnostics.Stopwatch.Frequency) + 1;

    private static uint ExpiryOf(string challenge) => Convert.ToUInt32(AuthRig.Param(challenge, "nonce")[..8], 16);

    [Theory]
    [InlineData("Authorization: Digest username=\"alice\", realm=\"example.com\", uri=\"sip:example.com\", response=\"x\"")]
    [InlineData("Authorization: Digest username=\"alice\", realm=\"example.com\", nonce=\"n\", response=\"x\"")]
    [InlineData("Authorization: Digest realm=\"example.com\", nonce=\"n\", uri=\"u\", response=\"x\"")]
    [InlineData("Authorization: Digest username=\"alice\", realm=\"example.com\", nonce=\"n\", uri=\"u\", response=\"x\", qop=auth")]
    [InlineData("Authorization: Digest username=\"alice\", realm=\"example.com\", nonce=\"n\", uri=\"u\", response=\"x\", qop=bogus, nc=1, cnonce=\"c\"")]
    [InlineData("Authorization: Digest username=\"alice\", realm=\"example.com\", nonce=\"n\", uri=\"u\", response=\"x\", qop=auth, nc=xyz, cnonce=\"c\"")]
    [InlineData("Authorization: Digest username=\"alice, realm=\"example.com\"")]
    public void MissingOrMalformedFieldsAre400(string header)
    {
        using var rig = new AuthRig();
        Sent r = One(rig, AuthRig.Register(header));
        Assert.StartsWith("SIP/2.0 400 Bad Request", r.StartLine);
    }

    [Fact]
    public void AbsurdFieldLengthsAreAnsweredNotThrown()
    {
        using var rig = new AuthRig();
        string c = Challenge(rig);
        string big = new('a', 6000);
        Assert.Equal("SIP/2.0 403 Forbidden -1", One(rig, AuthRig.Register(AuthRig.Answer(c, user: big), user: "alice")).StartLine);
        c = Challenge(rig);
        Assert.Equal("SIP/2.0 200 OK", One(rig, AuthRig.Register(AuthRig.Answer(c, cnonce: big))).StartLine);
    }

    [Theory]
    [InlineData("SHA-256")]
    [InlineData("SHA-256-sess")]
    [InlineData("MD5-sess")]
    [InlineData("MD5")]
    public void EveryAlgorithmAuthorizes(string algorithm)
    {
        using var rig = new AuthRig(algorithms: algorithm);
        string c = Challenge(rig);
        Assert.Contains("algorithm=" + algorithm, c);
        Assert.Equal("SIP/2.0 200 OK", One(rig, AuthRig.Register(AuthRig.Answer(c))).StartLine);
    }

    [Fact]
    public void SeveralAlgorithmsGiveOneChallengeEachStrongestFirst()
    {
        using var rig = new AuthRig(qop: string.Empty, algorithms: "md5,SHA-256-sess,sha-256");
        Sent r = One(rig, AuthRig.Register());
        List<string> c = AuthRig.Challenges(r);
        Assert.Equal(3, c.Count);
        Assert.EndsWith("algorithm=SHA-256-sess", c[0]);
        Assert.EndsWith("algorithm=SHA-256", c[1]);
        Assert.EndsWith("algorithm=MD5", c[2]);
        Assert.All(c, h => Assert.Contains("qop=\"auth\"", h)); // a SHA algorithm without qop forces qop=auth
        Assert.NotEqual(AuthRig.Param(c[0], "nonce"), AuthRig.Param(c[1], "nonce"));
        Assert.Equal("SIP/2.0 200 OK", One(rig, AuthRig.Register(AuthRig.Answer(c[1]))).StartLine);
    }

    [Fact]
    public void NonceIsBoundToItsAlgorithm()
    {
        using var rig = new AuthRig(algorithms: "MD5,SHA-256");
        List<string> c = AuthRig.Challenges(One(rig, AuthRig.Register()));
        string md5Nonce = AuthRig.Param(c[1], "nonce");
        string shaWithMd5Nonce = AuthRig.Answer(c[0].Replace(AuthRig.Param(c[0], "nonce"), md5Nonce));
        Assert.Equal("SIP/2.0 401 Unauthorized", One(rig, AuthRig.Register(shaWithMd5Nonce)).StartLine);
    }

    [Fact]
    public void AuthIntCoversTheBody()
    {
        using var rig = new AuthRig(qop: "auth-int,auth");
        string c = Challenge(rig);
        Assert.Contains("qop=\"auth-int,auth\"", c);
        const string Body = "v=0\r\n";
        Assert.Equal("SIP/2.0 200 OK", One(rig, AuthRig.Register(AuthRig.Answer(c, qop: "auth-int", body: Body), body: Body)).StartLine);
        c = Challenge(rig);
        Assert.Equal("SIP/2.0 403 Forbidden -2", One(rig, AuthRig.Register(AuthRig.Answer(c, qop: "auth-int", body: "other"), body: Body)).StartLine);
    }

    [Fact]
    public void CalculateHa1UsesThePlainPasswordColumn()
    {
        using var rig = new AuthRig(calculateHa1: true, algorithms: "SHA-256");
        string c = Challenge(rig);
        Assert.Equal("SIP/2.0 200 OK", One(rig, AuthRig.Register(AuthRig.Answer(c, user: "bob", password: "hunter2"), user: "bob")).StartLine);
    }

    [Fact]
    public void ConsumeCredentialsAndToChecks()
    {
        const string Script = """
            route {
                if (!www_authorize("example.com", "subscriber")) { www_challenge("example.com", "auth"); exit; }
                if (!db_is_to_authorized("uri")) { sl_send_reply(403, "Spoofed To $retcode"); exit; }
                if (!check_from()) { sl_send_reply(403, "Spoofed From"); exit; }
                consume_credentials();
                forward("127.0.0.2:5070");
            }
            """;
        using var rig = new AuthRig(script: Script);
        string c = Challenge(rig);
        List<Sent> sent = rig.Harness.Run(AuthRig.Register(AuthRig.Answer(c)));
        Sent fwd = Assert.Single(sent);
        Assert.StartsWith("REGISTER", fwd.StartLine);
        Assert.Empty(fwd.Headers("Authorization"));

        c = Challenge(rig);
        string asBob = AuthRig.Register(AuthRig.Answer(c), user: "bob"); // alice's credentials, bob's To
        Assert.Equal("SIP/2.0 403 Spoofed To -9", One(rig, asBob).StartLine);
    }

    [Fact]
    public void AuthVariablesReadTheCredentials()
    {
        const string Script = """
            route {
                if (!www_authorize("", "subscriber")) { www_challenge("", "auth"); exit; }
                sl_send_reply(200, "$au|$ad|$aU|$ar|$adu|$auth.qop|$auth.nc|$auth.alg");
            }
            """;
        using var rig = new AuthRig(script: Script);
        string c = Challenge(rig);
        Assert.Equal("SIP/2.0 200 alice|example.com|alice|example.com|sip:example.com|auth|00000001|<null>", One(rig, AuthRig.Register(AuthRig.Answer(c))).StartLine);
    }

    [Fact]
    public void PvWwwAuthorizeTakesThePasswordFromAVariable()
    {
        const string Script = """
            route {
                $avp(user) = "alice";
                $avp(pass) = "secret";
                if (!pv_www_authorize("")) { www_challenge("", "auth"); exit; }
                sl_send_reply(200, "OK");
            }
            """;
        using var rig = new AuthRig(script: Script, extraModparams: """
            modparam("auth", "username_spec", "$avp(user)")
            modparam("auth", "password_spec", "$avp(pass)")
            modparam("auth", "calculate_ha1", 1)
            """);
        string c = Challenge(rig);
        Assert.Equal("SIP/2.0 200 OK", One(rig, AuthRig.Register(AuthRig.Answer(c))).StartLine);
        c = Challenge(rig);
        Assert.Equal("SIP/2.0 401 Unauthorized", One(rig, AuthRig.Register(AuthRig.Answer(c, password: "nope"))).StartLine);
    }

    [Fact]
    public void AckAndCancelPassWithoutCredentials()
    {
        using var rig = new AuthRig();
        string ack = AuthRig.Register().Replace("REGISTER sip", "ACK sip").Replace("1 REGISTER", "1 ACK");
        Assert.Equal("SIP/2.0 200 OK", One(rig, ack).StartLine);
    }

    [Fact]
    public void AuthorizeAllocatesNothing()
    {
        using var rig = new AuthRig();
        rig.Harness.Recording = false;
        rig.Harness.Run(AuthRig.Register());
        // Each round re-challenges (its own nonce), then authorizes; the authorized request is what is measured.
        rig.Harness.Recording = true;
        string c = Challenge(rig);
        var requests = new List<byte[]>();
        for (int i = 1; i <= 200; i++)
        {
            requests.Add(System.Text.Encoding.UTF8.GetBytes(AuthRig.Register(AuthRig.Answer(c, nc: i.ToString("x8"))).ReplaceLineEndings("\r\n")));
        }

        rig.Harness.Recording = false;
        int k = 0;
        rig.Harness.RunBytes(requests[k], requests[k].Length, 0, ModuleHarness.Uac);
        k++;
        long allocated = Hyperproxy.Testing.Allocations.Least(() =>
        {
            for (int i = 0; i < 60 && k < requests.Count; i++, k++)
            {
                rig.Harness.RunBytes(requests[k], requests[k].Length, 0, ModuleHarness.Uac);
            }
        });
        Assert.Equal(0, allocated);
        Assert.True(AuthModule.CountersOf(rig.Harness.Context)!.Authorized >= 61);
        var registry = new Hyperproxy.Script.Statistics.StatisticsRegistry();
        registry.Register("auth", rig.Harness.Catalog.Auth.Exports.Statistics);
        registry.Seal(1);
        Assert.True(registry.Read(registry.Find("auth", "authorized")!) >= 61);
    }
}
