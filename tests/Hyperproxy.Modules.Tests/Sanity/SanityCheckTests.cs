using System.Text;

namespace Hyperproxy.Modules.Tests.Sanity;

/// <summary>
/// Kamailio's <c>sanity_check</c> (module sanity): each bit's failure and the reply Kamailio 5.6 sends for it (code and
/// reason as seen on the wire from kamailio 5.6.3 with the same requests), autodrop, noreply + sanity_reply, and the
/// start-up refusals of bits Hyperproxy does not build.
/// </summary>
public sealed class SanityCheckTests
{
    private const string Load = "loadmodule \"sanity.so\"\nmodparam(\"sanity\", \"proxy_require\", \"foo, bar\")\n";

    /// <summary>The replies a request gets from <c>if (!sanity_check(ARGS)) exit; sl_send_reply(299, "Passed")</c> with autodrop 0.</summary>
    private static List<Sent> Check(string request, string arguments, string modparams = "modparam(\"sanity\", \"autodrop\", 0)\n")
    {
        var h = new ModuleHarness($$"""
            route {
                if (!sanity_check({{arguments}})) {
                    exit;
                }
                sl_send_reply(299, "Passed");
            }
            """, Load + modparams);
        return h.Run(request);
    }

    private static string Reply(string request, string arguments) => Assert.Single(Check(request, arguments)).StartLine;

    private static string Invite(string? extra = null, string requestUri = "sip:bob@127.0.0.2:5070") => Requests.Invite(requestUri, extra: extra);

    [Fact]
    public void AWellFormedRequestPassesEveryCheck() => Assert.Equal("SIP/2.0 299 Passed", Reply(Invite(), "\"32767\", \"15\""));

    [Fact]
    public void WithoutArgumentsTheDefaultChecksRun()
    {
        Assert.Equal("SIP/2.0 299 Passed", Reply(Invite(), ""));
        Assert.Equal("SIP/2.0 400 Expires value is illegal", Reply(Invite("Expires: abc"), ""));
    }

    [Theory]
    [InlineData("Expires: abc", "SIP/2.0 400 Expires value is illegal")]
    [InlineData("Expires: -1", "SIP/2.0 400 Expires value is illegal")]
    [InlineData("Expires: 99999999999", "SIP/2.0 400 Expires value is illegal")]
    [InlineData("Expires: ", "SIP/2.0 400 Bad Expires Header")]
    [InlineData("Expires: 10 ", "SIP/2.0 299 Passed")]
    public void ExpiresMustBeAnUnsignedNumber(string expires, string reply) => Assert.Equal(reply, Reply(Invite(expires), "256"));

    [Fact]
    public void AProxyRequireExtensionNotListedGets420NamingIt()
    {
        Sent r = Assert.Single(Check(Invite("Proxy-Require: foo, baz, qux"), "512"));
        Assert.Equal("SIP/2.0 420 Bad Proxy Require Extension", r.StartLine);
        Assert.Equal(["baz, qux"], r.Headers("Unsupported"));
        Assert.Equal("SIP/2.0 299 Passed", Reply(Invite("Proxy-Require: FOO, bar"), "512"));
        Assert.Equal("SIP/2.0 420 Bad Proxy Require Extension", Reply(Invite("Proxy-Require: foo\nProxy-Require: zap"), "512"));
    }

    [Theory]
    [InlineData("From: <sip:@>;tag=1", "From: <sip:alice@example.com>;tag=abc", "SIP/2.0 400 Invalid From Header")]
    [InlineData("To: <sip:bob@:x>", "To: <sip:bob@example.com>", "SIP/2.0 400 Ivalid To Header")]
    public void ParseUrisRefusesAFromOrToUriThatDoesNotParse(string header, string replaces, string reply) =>
        Assert.Equal(reply, Reply(Invite().Replace(replaces, header, StringComparison.Ordinal), "1024"));

    [Fact]
    public void AContactUriIsParsedOnlyWhenUriChecksSayBit8()
    {
        string request = Invite("Contact: <sip:@@>");
        Assert.Equal("SIP/2.0 400 Bad Contact URI", Reply(request, "\"1024\", \"15\""));
        Assert.Equal("SIP/2.0 299 Passed", Reply(request, "\"1024\", \"7\""));
        Assert.Equal("SIP/2.0 299 Passed", Reply(request, "1024")); // modparam uri_checks default 7
    }

    [Theory]
    [InlineData("Authorization: Digest username=\"a\", realm=\"r\", nonce=\"\", uri=\"sip:x\", response=\"0123\"", "SIP/2.0 400 Auth Empty Nonce")]
    [InlineData("Authorization: Digest username=\"\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0123\"", "SIP/2.0 400 Auth Empty User")]
    [InlineData("Authorization: Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"\"", "SIP/2.0 400 Auth Empty Response")]
    [InlineData("Authorization: Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"sip:x\"", "SIP/2.0 400 Bad Auth Credentials")]
    [InlineData("Authorization: Digest username=\"a\", nonce=\"n\", uri=\"sip:x\", response=\"0123\"", "SIP/2.0 400 Bad Auth Credentials")]
    [InlineData("Authorization: Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0123\", qop=auth, nc=00000001", "SIP/2.0 400 Bad Auth Credentials")]
    [InlineData("Proxy-Authorization: Digest username=\"a\", realm=\"r\", nonce=\"\", uri=\"sip:x\", response=\"0123\"", "SIP/2.0 400 Auth Empty Nonce")]
    [InlineData("Authorization: Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0123\", qop=auth, nc=00000001, cnonce=\"c\"", "SIP/2.0 299 Passed")]
    public void DigestCredentialsNeedEveryFieldAndNoEmptyOnes(string credentials, string reply) =>
        Assert.Equal(reply, Reply(Invite(credentials), "2048"));

    [Fact]
    public void CredentialsOfAnotherSchemeFailDigestCheckSilentlyButPassTheAuthorizationCheck()
    {
        string basic = Invite("Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l");
        Assert.Empty(Check(basic, "2048")); // failed, no reply (Kamailio 5.6 answers nothing either)
        Assert.Equal("SIP/2.0 299 Passed", Reply(basic, "8192"));
        Assert.Equal("SIP/2.0 400 Auth Empty Nonce",
            Reply(Invite("Authorization: Digest username=\"a\", realm=\"r\", nonce=\"\", uri=\"sip:x\", response=\"0123\""), "8192"));
    }

    [Theory]
    [InlineData(";tag=abc", ";tag=abc;tag=def", "SIP/2.0 400 Many From Tag Params")]
    [InlineData("To: <sip:bob@example.com>", "To: <sip:bob@example.com>;tag=1;TAG=2", "SIP/2.0 400 Many To Tag Params")]
    [InlineData("To: <sip:bob@example.com>", "To: <sip:bob@example.com>;tag=1", "SIP/2.0 299 Passed")]
    public void AFromOrToWithTwoTagsIsRefused(string replaces, string with, string reply) =>
        Assert.Equal(reply, Reply(Invite().Replace(replaces, with, StringComparison.Ordinal), "4096"));

    [Fact]
    public void ARequestUriOfAnotherSchemeIsABadRequestUri() =>
        Assert.Equal("SIP/2.0 400 Bad Request URI", Reply(Invite(requestUri: "http://example.com/"), "2"));

    [Fact]
    public void TelAndSipsRequestUrisPassTheSchemeCheck()
    {
        Assert.Equal("SIP/2.0 299 Passed", Reply(Invite(requestUri: "tel:+4930123"), "2"));
        Assert.Equal("SIP/2.0 299 Passed", Reply(Invite(requestUri: "sips:bob@example.com"), "2"));
    }

    [Fact]
    public void AnAckIsNeverAnswered()
    {
        string ack = Requests.Make("ACK", "sip:bob@127.0.0.2:5070", extra: "Expires: abc");
        Assert.Empty(Check(ack, "256"));
    }

    [Fact]
    public void WithAutodropAFailedCheckStopsTheScriptAfterItsReply()
    {
        var h = new ModuleHarness("""
            route {
                sanity_check("256");
                sl_send_reply(299, "Not stopped");
            }
            """, Load);
        Assert.Equal("SIP/2.0 400 Expires value is illegal", Assert.Single(h.Run(Invite("Expires: abc"))).StartLine);
        Assert.Equal("SIP/2.0 299 Not stopped", Assert.Single(h.Run(Invite("Expires: 60"))).StartLine);
    }

    [Fact]
    public void WithNoreplySanityReplySendsTheKeptReply()
    {
        var h = new ModuleHarness("""
            route {
                if (!sanity_check("512")) {
                    sanity_reply();
                    exit;
                }
                if (!sanity_reply()) {
                    sl_send_reply(299, "Nothing kept");
                }
            }
            """, Load + "modparam(\"sanity\", \"autodrop\", 0)\nmodparam(\"sanity\", \"noreply\", 1)\n");
        Sent r = Assert.Single(h.Run(Invite("Proxy-Require: nope")));
        Assert.Equal("SIP/2.0 420 Bad Proxy Require Extension", r.StartLine);
        Assert.Equal(["nope"], r.Headers("Unsupported"));
        Assert.Equal("SIP/2.0 299 Nothing kept", Assert.Single(h.Run(Invite())).StartLine);
    }

    [Fact]
    public void ChecksFromAVariableAreReadPerMessage()
    {
        var h = new ModuleHarness("""
            route {
                $var(checks) = $(hdr(X-Checks){s.int});
                if (!sanity_check("$var(checks)")) {
                    sl_send_reply(299, "Refused $retcode");
                    exit;
                }
                sl_send_reply(299, "Passed");
            }
            """, Load + "modparam(\"sanity\", \"autodrop\", 0)\nmodparam(\"sanity\", \"noreply\", 1)\n");
        Assert.Equal("SIP/2.0 299 Refused -1", Assert.Single(h.Run(Invite("X-Checks: 256\nExpires: x"))).StartLine);
        Assert.Equal("SIP/2.0 299 Passed", Assert.Single(h.Run(Invite("X-Checks: 64\nExpires: x"))).StartLine);
        // Out of range at run time: an error (logged), -1, nothing checked.
        Assert.Equal("SIP/2.0 299 Refused -1", Assert.Single(h.Run(Invite("X-Checks: 65536"))).StartLine);
        Assert.Contains(h.Logs, l => l.Contains("65536 (size limits)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("sanity_check(\"32768\");", "32768 (Via branch magic cookie and Route/Record-Route lr)")]
    [InlineData("sanity_check(65536 + 1);", "65536 (size limits)")]
    [InlineData("sanity_check(0);", "selects no check")]
    [InlineData("sanity_check(\"3047\", \"16\");", "16 is not a sum of the URI bits")]
    public void BitsThatAreNotBuiltStopStartUpByName(string call, string message)
    {
        var e = Assert.Throws<InvalidOperationException>(() => new ModuleHarness($"route {{\n    {call}\n}}\n", Load));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains("t.cfg:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultChecksWithBitsThatAreNotBuiltStopStartUp()
    {
        var e = Assert.ThrowsAny<Exception>(() => new ModuleHarness("route {\n    sanity_check();\n}\n", Load + "modparam(\"sanity\", \"default_checks\", 98305)\n"));
        Assert.Contains("65536 (size limits)", e.Message, StringComparison.Ordinal);
        Assert.Contains("32768", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckingAllocatesNothing()
    {
        var h = new ModuleHarness("""
            route {
                if (!sanity_check("32767", "15")) {
                    exit;
                }
                sl_send_reply(299, "Passed");
            }
            """, Load + "modparam(\"sanity\", \"autodrop\", 0)\n");
        byte[][] requests =
        [
            Encoding.UTF8.GetBytes(Invite("Contact: <sip:alice@10.0.0.1>\nAuthorization: Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0123\"").ReplaceLineEndings("\r\n")),
            Encoding.UTF8.GetBytes(Invite("Proxy-Require: baz").ReplaceLineEndings("\r\n")),
            Encoding.UTF8.GetBytes(Invite("Expires: abc").ReplaceLineEndings("\r\n")),
        ];
        h.Recording = false;
        foreach (byte[] r in requests)
        {
            h.RunBytes(r, r.Length, 0, ModuleHarness.Uac);
        }

        long allocated = Hyperproxy.Testing.Allocations.Least(() =>
        {
            for (int i = 0; i < 300; i++)
            {
                byte[] r = requests[i % requests.Length];
                h.RunBytes(r, r.Length, 0, ModuleHarness.Uac);
            }
        });
        Assert.Equal(0, allocated);
    }
}
