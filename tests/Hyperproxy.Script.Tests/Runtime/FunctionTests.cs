namespace Hyperproxy.Script.Tests.Runtime;

public sealed class FunctionTests
{
    private static ScriptRun Run(string body, string? message = null)
    {
        var run = new ScriptRun(body);
        run.Run(message ?? ScriptRun.Request());
        return run;
    }

    [Fact]
    public void SlSendReplyExpandsTheReasonAndCarriesAppendToReply()
    {
        var run = Run("append_to_reply(\"X-Why: $rm\\r\\n\"); sl_send_reply(403, \"No $fU\");");
        Assert.Equal((403, "No alice", "X-Why: INVITE\r\n"), Assert.Single(run.Host.Replies));
    }

    [Fact]
    public void SlReplyErrorRepliesWithForwardsFailure()
    {
        var run = new ScriptRun("if (!forward()) sl_reply_error();");
        run.Host.ForwardResult = -4;
        run.Run(ScriptRun.Request());
        Assert.Equal((478, "Unresolvable Destination", ""), Assert.Single(run.Host.Replies));
        Assert.Equal(-1, Run("sl_reply_error(); xlog(\"$rc\");").Host.Logs.Count == 1 ? -1 : 0);
    }

    [Fact]
    public void ForwardGetsItsDestinationTheRewrittenUriAndDu()
    {
        var run = Run("seturi(\"sip:x@10.2.2.2\"); setdsturi(\"sip:10.3.3.3:5099\"); forward(\"udp:10.4.4.4:5066\");");
        Assert.Equal(("udp:10.4.4.4:5066", "sip:x@10.2.2.2", "sip:10.3.3.3:5099"), Assert.Single(run.Host.Forwards));
    }

    [Theory]
    [InlineData("sethost(\"h.example.com\")", "sip:bob@h.example.com:5080;transport=udp")]
    [InlineData("sethostport(\"h.example.com:6000\")", "sip:bob@h.example.com:6000;transport=udp")]
    [InlineData("setuser(\"carol\")", "sip:carol@example.com:5080;transport=udp")]
    [InlineData("setport(\"5999\")", "sip:bob@example.com:5999;transport=udp")]
    [InlineData("prefix(\"00\")", "sip:00bob@example.com:5080;transport=udp")]
    [InlineData("strip(2)", "sip:b@example.com:5080;transport=udp")]
    [InlineData("strip_tail(1)", "sip:bo@example.com:5080;transport=udp")]
    [InlineData("seturi(\"sip:z@zeta\"); revert_uri()", "sip:bob@example.com:5080;transport=udp")]
    [InlineData("rewriteuri(\"sip:z@zeta\")", "sip:z@zeta")]
    public void RequestUriRewriting(string call, string expected)
    {
        var run = Run(call + "; xlog(\"$ru\");", ScriptRun.Request(ruri: "sip:bob@example.com:5080;transport=udp"));
        Assert.Equal("-1 " + expected, Assert.Single(run.Host.Logs));
    }

    [Fact]
    public void MaxForwardsIsDecrementedInPlaceOrAddedOrExhausted()
    {
        var run = Run("if (mf_process_maxfwd_header(10)) xlog(\"rc=$rc\");");
        Assert.Equal("-1 rc=1", Assert.Single(run.Host.Logs));
        Assert.Contains("Max-Forwards: 69\r\n", run.Output(), StringComparison.Ordinal);

        run = Run("if (mf_process_maxfwd_header(10)) xlog(\"rc=$rc\");", ScriptRun.Request().Replace("Max-Forwards: 70\r\n", "", StringComparison.Ordinal));
        Assert.Equal("-1 rc=2", Assert.Single(run.Host.Logs));
        Assert.StartsWith("INVITE sip:bob@example.com SIP/2.0\r\nMax-Forwards: 10\r\nVia:", run.Output(), StringComparison.Ordinal);

        run = Run("if (!mf_process_maxfwd_header(10)) xlog(\"zero\"); if (is_maxfwd_lt(1)) xlog(\"lt\");", ScriptRun.Request().Replace("Max-Forwards: 70", "Max-Forwards: 0", StringComparison.Ordinal));
        Assert.Equal(["-1 zero", "-1 lt"], run.Host.Logs);
    }

    [Fact]
    public void SipmsgopsReadAndEditHeaders()
    {
        var run = Run("if (is_method(\"BYE|INVITE\")) xlog(\"m\"); if (!has_totag()) xlog(\"nt\"); if (is_present_hf(\"User-Agent\")) xlog(\"ua\");"
            + "remove_hf(\"User-Agent\"); append_hf(\"X-A: 1\\r\\n\"); insert_hf(\"X-First: 0\\r\\n\"); append_hf(\"X-After-CSeq: $cs\\r\\n\", \"CSeq\");"
            + "if (ruri_has_param(\"transport\", \"tcp\")) xlog(\"tp\");",
            ScriptRun.Request(ruri: "sip:bob@example.com;transport=tcp"));
        Assert.Equal(["-1 m", "-1 nt", "-1 ua", "-1 tp"], run.Host.Logs);
        string output = run.Output();
        Assert.DoesNotContain("User-Agent", output, StringComparison.Ordinal);
        Assert.Contains("\r\nX-First: 0\r\nVia:", output, StringComparison.Ordinal);
        Assert.Contains("CSeq: 314 INVITE\r\nX-After-CSeq: 314\r\n", output, StringComparison.Ordinal);
        Assert.Contains("X-A: 1\r\n\r\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void FlagsAndBranchFlagsByNameAndNumber()
    {
        var run = Run("setflag(NAT); setflag(3); setbflag(\"TCP\"); if (isflagset(NAT)) xlog(\"nat\"); resetflag(NAT); if (!isflagset(NAT)) xlog(\"reset\"); if (isflagset(3)) xlog(\"3\"); if (isbflagset(TCP)) xlog(\"b\"); if (!isflagset(TCP)) xlog(\"separate\");");
        Assert.Equal(["-1 nat", "-1 reset", "-1 3", "-1 b", "-1 separate"], run.Host.Logs);
    }

    [Fact]
    public void IsMyselfForHostsWithAndWithoutPort()
    {
        var run = Run("if (is_myself(\"127.0.0.1\")) xlog(\"a\"); if (is_myself(\"proxy.example.com\", 5060)) xlog(\"b\"); if (is_myself(\"$fd\")) xlog(\"c\"); if (is_myself(\"127.0.0.1\", 5070)) xlog(\"d\");");
        Assert.Equal(["-1 a", "-1 b"], run.Host.Logs);
    }

    [Fact]
    public void CoreMiscellanea()
    {
        var run = Run("force_rport(); add_local_rport(); if (force_send_socket(\"udp:127.0.0.1:5060\")) xlog(\"sock\"); set_advertised_address(\"pub.example.com\"); set_advertised_port(5099); append_branch(); log(\"plain\");");
        Assert.True(run.Context.RportForced);
        Assert.True(run.Context.AddLocalRport);
        Assert.Equal(0, run.Context.ForcedSocket);
        Assert.Equal("pub.example.com"u8.ToArray(), run.Context.AdvertisedAddress.ToArray());
        Assert.Equal(5099, run.Context.AdvertisedPort);
        Assert.Equal(1, run.Context.ExtraBranches);
        Assert.Equal(["-1 sock", "2 plain"], run.Host.Logs);
    }

    [Fact]
    public void XlogWithALevel()
    {
        Assert.Equal("3 info INVITE", Assert.Single(Run("xlog(\"L_INFO\", \"info $rm\\n\");").Host.Logs));
    }
}
