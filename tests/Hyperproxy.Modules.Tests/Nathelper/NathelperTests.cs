using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Tests.Nathelper;

public sealed class NathelperTests
{
    private static readonly NetAddress s_nat = NetAddress.FromIPv4(127, 0, 0, 7, 4321);

    private const string Sdp = "v=0\no=alice 1 1 IN IP4 192.168.1.10\ns=-\nc=IN IP4 192.168.1.10\nt=0 0\nm=audio 4000 RTP/AVP 0\nc=IN IP4 192.168.1.10\n";

    private static string Request(string contact = "<sip:ua1@192.168.1.10:5062>", string via = "SIP/2.0/UDP 192.168.1.10:5062;branch=z9hG4bK-1",
        string? body = null)
    {
        string text = "INVITE sip:bob@127.0.0.2:5070 SIP/2.0\nVia: " + via + "\nMax-Forwards: 70\nFrom: <sip:alice@example.com>;tag=a\n"
            + "To: <sip:bob@example.com>\nCall-ID: c1@example.com\nCSeq: 1 INVITE\nContact: " + contact + "\n";
        if (body is null)
        {
            return text + "Content-Length: 0\n\n";
        }

        string crlf = body.ReplaceLineEndings("\r\n");
        return text + "Content-Type: application/sdp\nContent-Length: " + crlf.Length + "\n\n" + body;
    }

    private static ModuleHarness Test(string flags) =>
        new("loadmodule \"nathelper.so\"\nroute {\n if (nat_uac_test(\"" + flags + "\")) sl_send_reply(200, \"NATED\"); else sl_send_reply(404, \"NOT\");\n}\n");

    private static string Answer(ModuleHarness h, string request, NetAddress from) => Assert.Single(h.Run(request, from: from)).StartLine;

    [Theory]
    [InlineData("1", "<sip:ua1@192.168.1.10:5062>", true)]
    [InlineData("private-contact", "<sip:ua1@10.1.2.3>", true)]
    [InlineData("private-contact", "<sip:ua1@172.31.0.1>", true)]
    [InlineData("private-contact", "<sip:ua1@172.32.0.1>", false)]
    [InlineData("private-contact", "<sip:ua1@100.64.0.1>", true)]
    [InlineData("private-contact", "<sip:ua1@192.0.2.1>", false)]
    [InlineData("private-contact", "<sip:ua1@[fd00::1]>", false)]
    [InlineData("private-contact", "<sip:ua1@192.0.0.5>", false)]
    [InlineData("private-contact,carrier-grade-nat", "<sip:ua1@192.0.0.5>", true)]
    [InlineData("129", "<sip:ua1@192.0.0.5>", true)]
    public void PrivateContactTestsTheContactHostAgainstThePrivateRanges(string flags, string contact, bool nated)
    {
        ModuleHarness h = Test(flags);
        Assert.Equal(nated ? "SIP/2.0 200 NATED" : "SIP/2.0 404 NOT", Answer(h, Request(contact), s_nat));
    }

    [Fact]
    public void ViaTestsCompareTheSourceWithTheTopVia()
    {
        ModuleHarness h = Test("diff-ip-src-via");
        Assert.Equal("SIP/2.0 200 NATED", Answer(h, Request(), s_nat));
        Assert.Equal("SIP/2.0 404 NOT", Answer(h, Request(via: "SIP/2.0/UDP 127.0.0.7:4321;branch=z9hG4bK-1"), s_nat));
        Assert.Equal("SIP/2.0 200 NATED", Answer(h, Request(via: "SIP/2.0/UDP 127.0.0.7:4321;received=1.2.3.4;branch=z9hG4bK-1"), s_nat));
        Assert.Equal("SIP/2.0 200 NATED", Answer(h, Request(via: "SIP/2.0/UDP ua.example.com:4321;branch=z9hG4bK-1"), s_nat));

        h = Test("16");
        Assert.Equal("SIP/2.0 200 NATED", Answer(h, Request(via: "SIP/2.0/UDP 127.0.0.7;branch=z9hG4bK-1"), s_nat));
        Assert.Equal("SIP/2.0 404 NOT", Answer(h, Request(via: "SIP/2.0/UDP 127.0.0.7:4321;branch=z9hG4bK-1"), s_nat));
        Assert.Equal("SIP/2.0 404 NOT", Answer(h, Request(via: "SIP/2.0/UDP 127.0.0.7;branch=z9hG4bK-1"), NetAddress.FromIPv4(127, 0, 0, 7, 5060)));

        h = Test("private-via");
        Assert.Equal("SIP/2.0 200 NATED", Answer(h, Request(), s_nat));
        Assert.Equal("SIP/2.0 404 NOT", Answer(h, Request(via: "SIP/2.0/UDP 192.0.2.4:4321;branch=z9hG4bK-1"), s_nat));
    }

    [Fact]
    public void ContactSourceTestsCompareHostAndPortWithTheSource()
    {
        ModuleHarness h = Test("diff-ip-src-contact");
        Assert.Equal("SIP/2.0 200 NATED", Answer(h, Request(), s_nat));
        Assert.Equal("SIP/2.0 404 NOT", Answer(h, Request("<sip:ua1@127.0.0.7:9999>"), s_nat));
        h = Test("64");
        Assert.Equal("SIP/2.0 200 NATED", Answer(h, Request("<sip:ua1@127.0.0.7:9999>"), s_nat));
        Assert.Equal("SIP/2.0 404 NOT", Answer(h, Request("<sip:ua1@127.0.0.7:4321>"), s_nat));
        Assert.Equal("SIP/2.0 404 NOT", Answer(h, Request("<sip:ua1@127.0.0.7>"), NetAddress.FromIPv4(127, 0, 0, 7, 5060)));
    }

    [Fact]
    public void PrivateSdpLooksAtConnectionLinesOnly()
    {
        ModuleHarness h = Test("private-sdp");
        Assert.Equal("SIP/2.0 200 NATED", Answer(h, Request(body: Sdp), s_nat));
        Assert.Equal("SIP/2.0 404 NOT", Answer(h, Request(body: "v=0\no=a 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\n"), s_nat));
        Assert.Equal("SIP/2.0 404 NOT", Answer(h, Request(), s_nat));
    }

    [Theory]
    [InlineData("private-contact,no-such-test", "unknown flag 'no-such-test'")]
    [InlineData("256", "name no test")]
    [InlineData("0", "name no test")]
    public void UnknownFlagsStopTheScriptAtStartUp(string flags, string message)
    {
        var e = Assert.Throws<InvalidOperationException>(() => Test(flags));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void FixNatedContactPutsTheSourceInEveryContactAndDropsMaddr()
    {
        var h = new ModuleHarness("loadmodule \"nathelper.so\"\nroute {\n fix_nated_contact(); if (fix_nated_contact()) append_hf(\"X-Twice: yes\\r\\n\"); forward(\"127.0.0.2:5070\");\n}\n");
        Sent fwd = Assert.Single(h.Run(Request("\"A\" <sip:ua1@192.168.1.10:5062;maddr=192.168.1.1;transport=udp>;expires=60, sip:ua2@10.0.0.2"), from: s_nat));
        Assert.Equal(["\"A\" <sip:ua1@127.0.0.7:4321;transport=udp>;expires=60, sip:ua2@127.0.0.7:4321"], fwd.Headers("Contact"));
        Assert.Empty(fwd.Headers("X-Twice"));
    }

    [Fact]
    public void FixNatedContactAppendsUriParamsInsideTheBrackets()
    {
        var h = new ModuleHarness("loadmodule \"nathelper.so\"\nroute {\n fix_nated_contact(\";nat=yes\"); forward(\"127.0.0.2:5070\");\n}\n");
        Sent fwd = Assert.Single(h.Run(Request("<sip:ua1@192.168.1.10:5062>;q=0.5, sip:ua2@10.0.0.2"), from: s_nat));
        Assert.Equal(["<sip:ua1@127.0.0.7:4321;nat=yes>;q=0.5, <sip:ua2@127.0.0.7:4321;nat=yes>"], fwd.Headers("Contact"));
    }

    [Fact]
    public void AddRcvParamAddsTheSourceAsHeaderOrUriParameter()
    {
        var h = new ModuleHarness("loadmodule \"nathelper.so\"\nroute {\n add_rcv_param(); forward(\"127.0.0.2:5070\");\n}\n");
        Sent fwd = Assert.Single(h.Run(Request("<sip:ua1@192.168.1.10:5062>;expires=60"), from: s_nat));
        Assert.Equal(["<sip:ua1@192.168.1.10:5062>;expires=60;received=\"sip:127.0.0.7:4321\""], fwd.Headers("Contact"));

        h = new ModuleHarness("loadmodule \"nathelper.so\"\nroute {\n add_rcv_param(1); forward(\"127.0.0.2:5070\");\n}\n");
        fwd = Assert.Single(h.Run(Request("<sip:ua1@192.168.1.10:5062>;expires=60"), from: s_nat));
        Assert.Equal(["<sip:ua1@192.168.1.10:5062;received=sip:127.0.0.7:4321>;expires=60"], fwd.Headers("Contact"));
    }

    [Fact]
    public void FixNatedRegisterFillsTheReceivedAvp()
    {
        var h = new ModuleHarness("loadmodule \"nathelper.so\"\nroute {\n fix_nated_register(); append_hf(\"X-Rcv: $avp(rcv)\\r\\n\"); forward(\"127.0.0.2:5070\");\n}\n",
            "modparam(\"nathelper\", \"received_avp\", \"$avp(rcv)\")");
        Sent fwd = Assert.Single(h.Run(Request(), from: s_nat));
        Assert.Equal(["sip:127.0.0.7:4321"], fwd.Headers("X-Rcv"));
    }

    [Fact]
    public void FixNatedSdpRewritesConnectionAndOriginAndKeepsTheOldAddresses()
    {
        var h = new ModuleHarness("loadmodule \"nathelper.so\"\nroute {\n fix_nated_sdp(\"rewrite-media-ip,rewrite-origin-ip,add-no-rtpproxy\"); forward(\"127.0.0.2:5070\");\n}\n");
        Sent fwd = Assert.Single(h.Run(Request(body: Sdp), from: s_nat));
        string body = fwd.Text[(fwd.Text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.Equal("v=0\r\no=alice 1 1 IN IP4 127.0.0.7\r\ns=-\r\nc=IN IP4 127.0.0.7\r\nt=0 0\r\na=oldoip:192.168.1.10\r\na=oldcip:192.168.1.10\r\n"
            + "a=nortpproxy:yes\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP4 127.0.0.7\r\n", body);
        Assert.Equal([body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)], fwd.Headers("Content-Length"));
    }

    [Fact]
    public void FixNatedSdpTakesAnExplicitAddressAndLeavesNullAddressesAlone()
    {
        var h = new ModuleHarness("loadmodule \"nathelper.so\"\nroute {\n fix_nated_sdp(\"2\", \"203.0.113.9\"); forward(\"127.0.0.2:5070\");\n}\n",
            "modparam(\"nathelper\", \"oldip_skip\", \"c\")");
        Sent fwd = Assert.Single(h.Run(Request(body: "v=0\no=a 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 4000 RTP/AVP 0\nc=IN IP4 10.0.0.1\n"), from: s_nat));
        string body = fwd.Text[(fwd.Text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.Equal("v=0\r\no=a 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP4 203.0.113.9\r\n", body);
    }

    [Fact]
    public void IsRfc1918AnswersForTheGivenAddress()
    {
        var h = new ModuleHarness("loadmodule \"nathelper.so\"\nroute {\n if (is_rfc1918(\"$si\")) sl_send_reply(200, \"P\"); else sl_send_reply(404, \"N\");\n}\n");
        Assert.Equal("SIP/2.0 200 P", Answer(h, Request(), NetAddress.FromIPv4(10, 0, 0, 1, 5060)));
        Assert.Equal("SIP/2.0 404 N", Answer(h, Request(), NetAddress.FromIPv4(192, 0, 2, 1, 5060)));
    }

    [Fact]
    public void SippingBflagNeedsSippingFromAndAFlagTheScriptSets()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new ModuleHarness("loadmodule \"nathelper.so\"\nroute {\n setbflag(SIPPING); exit;\n}\n",
            "modparam(\"nathelper\", \"sipping_bflag\", \"SIPPING\")"));
        Assert.Contains("sipping_from", e.Message);
        e = Assert.Throws<InvalidOperationException>(() => new ModuleHarness("loadmodule \"nathelper.so\"\nroute {\n exit;\n}\n",
            "modparam(\"nathelper\", \"natping_socket\", \"1.2.3.4:5060\")"));
        Assert.Contains("natping_socket", e.Message);
    }
}
