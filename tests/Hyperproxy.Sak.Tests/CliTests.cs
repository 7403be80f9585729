using Hyperproxy.Sak.Cli;
using Hyperproxy.Sak.Ua;

namespace Hyperproxy.Sak.Tests;

public sealed class CliTests
{
    [Theory]
    [InlineData(new[] { "-Q", "-s", "sip:a@127.0.0.1" }, "unknown option -Q")]
    [InlineData(new[] { "--bogus", "-s", "sip:a@127.0.0.1" }, "unknown option --bogus")]
    [InlineData(new[] { "-s", "http://example.com" }, "bad SIP URI")]
    [InlineData(new[] { "-s", "sip:" }, "bad SIP URI")]
    [InlineData(new[] { "-v" }, "missing target")]
    [InlineData(new[] { "-s" }, "needs a value")]
    [InlineData(new[] { "-l", "70000", "-s", "sip:a@127.0.0.1" }, "-l")]
    [InlineData(new[] { "-s", "sip:a@no-such-host.invalid" }, "cannot resolve host name")]
    [InlineData(new[] { "-E", "tcp", "-s", "sip:a@127.0.0.1" }, "not supported")]
    [InlineData(new[] { "bench" }, "--target")]
    [InlineData(new[] { "bench", "--target", "127.0.0.1:5060", "--scenario", "dance" }, "unknown scenario")]
    [InlineData(new[] { "bench", "--target", "127.0.0.1:5060", "--rate", "fast" }, "--rate")]
    [InlineData(new[] { "bench", "--target", "no-such-host.invalid:5060" }, "cannot resolve")]
    [InlineData(new[] { "bench", "--target", "127.0.0.1:5060", "--register-callee" }, "--scenario call")]
    [InlineData(new[] { "bench", "--target", "127.0.0.1:5060", "--scenario", "call", "--register-callee=yes" }, "takes no value")]
    public void BadInputGivesOneLineOnStderrAndExitTwo(string[] args, string expected)
    {
        var (code, output, error) = Peers.Sak(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.StartsWith("hypersak: ", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ShortOptionsClusterAndTakeValuesAttachedOrSeparateAsGetoptDoes()
    {
        SakOptions o = OptionParser.Parse(["-vvT", "-ssip:a@127.0.0.1", "-x", "60", "-l5070"]);
        Assert.Equal(2, o.Verbosity);
        Assert.Equal(SakMode.Traceroute, o.Mode);
        Assert.Equal("sip:a@127.0.0.1", o.Uri);
        Assert.Equal(60, o.Expires);
        Assert.Equal(5070, o.LocalPort);
    }

    [Fact]
    public void MinusMIsMessageModeAloneAndUsrlocWithMinusU()
    {
        Assert.Equal(SakMode.Message, OptionParser.Parse(["-M", "-B", "x", "-s", "sip:a@h"]).Mode);
        Assert.Equal(SakMode.Usrloc, OptionParser.Parse(["-U", "-M", "-s", "sip:a@h"]).Mode);
        Assert.Equal(SakMode.Invite, OptionParser.Parse(["-I", "-s", "sip:a@h"]).Mode);
        SakOptions usrlocInvite = OptionParser.Parse(["-I", "-U", "-s", "sip:a@h"]);
        Assert.Equal(SakMode.Usrloc, usrlocInvite.Mode);
        Assert.True(usrlocInvite.Invite);
        Assert.True(OptionParser.Parse(["--invite-mode", "-s", "sip:a@h"]).Invite);
    }

    [Fact]
    public void SipsakLongOptionsMapToTheirLetters()
    {
        SakOptions o = OptionParser.Parse(["--sip-uri=sip:a@h", "--nagios-code", "--remote-port", "5080", "--route", "sip:p1;lr", "--route", "sip:p2;lr"]);
        Assert.True(o.Nagios);
        Assert.Equal(5080, o.RemotePort);
        Assert.Equal(["sip:p1;lr", "sip:p2;lr"], o.Routes);
    }

    [Fact]
    public void HelpAndVersionNeedNoTarget()
    {
        Assert.Equal(0, Peers.Sak("-h").Code);
        Assert.Contains("hypersak", Peers.Sak("-V").Out, StringComparison.Ordinal);
    }

    [Fact]
    public void DigestResponseMatchesTheRfc2617Example()
    {
        string header = DigestAuth.Answer(
            "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
            false, "GET", "/dir/index.html", "Mufasa", "Circle Of Life", "0a4f113b")!;
        Assert.Contains("response=\"6629fae49393a05397450978507c4ef1\"", header, StringComparison.Ordinal);
        Assert.StartsWith("Authorization: Digest username=\"Mufasa\"", header, StringComparison.Ordinal);
    }

    [Fact]
    public void TargetUriWithIPv6HostAndPortResolves()
    {
        SipTarget t = SipTarget.Resolve("sip:bob@[::1]:5090", 0, null, []);
        Assert.Equal(5090, t.Destination.Port);
        Assert.Equal(System.Net.IPAddress.IPv6Loopback, t.Destination.Address);
        Assert.Equal("bob", t.User);
        Assert.Equal("[::1]:5090", t.HostPort);
    }
}
