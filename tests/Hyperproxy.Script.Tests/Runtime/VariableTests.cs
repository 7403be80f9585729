using Hyperproxy.Sip;

namespace Hyperproxy.Script.Tests.Runtime;

public sealed class VariableTests
{
    [Theory]
    [InlineData("$ru", "sip:bob@example.com:5080;transport=udp")]
    [InlineData("$rU", "bob")]
    [InlineData("$rd", "example.com")]
    [InlineData("$rp", "5080")]
    [InlineData("$rP", "udp")]
    [InlineData("$ou", "sip:bob@example.com:5080;transport=udp")]
    [InlineData("$rm", "INVITE")]
    [InlineData("$si", "10.0.0.9")]
    [InlineData("$sp", "40000")]
    [InlineData("$Ri", "127.0.0.1")]
    [InlineData("$Rp", "5060")]
    [InlineData("$socket_in", "udp:127.0.0.1:5060")]
    [InlineData("$socket_in(ip)", "127.0.0.1")]
    [InlineData("$socket_in(port)", "5060")]
    [InlineData("$socket_in(proto)", "UDP")]
    [InlineData("$fu", "sip:alice@atlanta.example.com")]
    [InlineData("$fU", "alice")]
    [InlineData("$fd", "atlanta.example.com")]
    [InlineData("$fn", "Alice A")]
    [InlineData("$ft", "f1")]
    [InlineData("$tu", "sip:bob@biloxi.example.com")]
    [InlineData("$tU", "bob")]
    [InlineData("$td", "biloxi.example.com")]
    [InlineData("$ci", "c1@atlanta")]
    [InlineData("$cs", "314")]
    [InlineData("$cl", "0")]
    [InlineData("$ua", "test-ua/1.0")]
    [InlineData("$hdr(User-Agent)", "test-ua/1.0")]
    [InlineData("$hdr(X-Two)", "first")]
    [InlineData("$(hdr(X-Two)[1])", "second")]
    [InlineData("$(hdr(X-Two)[-1])", "second")]
    [InlineData("$(hdr(X-Two)[*])", "first, second")]
    [InlineData("$hdrcnt(X-Two)", "2")]
    [InlineData("$hdrcnt(Via)", "1")]
    [InlineData("$(hdr(f))", "\"Alice A\" <sip:alice@atlanta.example.com>;tag=f1")]
    [InlineData("$ct", "<sip:alice@10.0.0.9:40000>;expires=60")]
    [InlineData("$ct.fields(uri)", "sip:alice@10.0.0.9:40000")]
    [InlineData("$retcode", "1")]
    [InlineData("$rc", "1")]
    public void VariablesReadTheMessage(string variable, string expected)
    {
        string message = ScriptRun.Request(ruri: "sip:bob@example.com:5080;transport=udp",
            extra: "X-Two: first\r\nX-Two: second\r\nContact: <sip:alice@10.0.0.9:40000>;expires=60\r\n");
        Assert.Equal(expected, ScriptRun.Eval(variable, message));
    }

    [Theory]
    [InlineData("$rp", "5060")] // absent: the transport default
    [InlineData("$tt", "<null>")]
    [InlineData("$du", "<null>")]
    [InlineData("$hdr(X-None)", "<null>")]
    [InlineData("$rb", "")]
    [InlineData("$ml", "285")]
    public void AbsentValuesAndDefaults(string variable, string expected)
    {
        Assert.Equal(expected, ScriptRun.Eval(variable));
    }

    [Theory]
    [InlineData("$(ru{uri.user})", "bob")]
    [InlineData("$(ru{uri.host})", "example.com")]
    [InlineData("$(fu{uri.host}{s.len})", "19")]
    [InlineData("$(rU{s.len})", "3")]
    [InlineData("$(hdr(X-P){param.value,b})", "2")]
    [InlineData("$(hdr(X-P){param.value,c})", "<null>")]
    [InlineData("$(hdr(X-Q){param.value,y,&})", "two")]
    [InlineData("$(ru{uri.param,transport})", "tcp")]
    public void TransformationsApplyInOrder(string expression, string expected)
    {
        string message = ScriptRun.Request(ruri: "sip:bob@example.com;transport=tcp", extra: "X-P: a=1;b=2\r\nX-Q: x=one&y=two\r\n");
        Assert.Equal(expected, ScriptRun.Eval(expression, message));
    }

    [Fact]
    public void RequestUriWritesAreSeenByLaterReadsAndGoToTheMessage()
    {
        var run = new ScriptRun("$rU = \"carol\"; $rd = \"chicago.example.com\"; $rp = 5070; xlog(\"$ru|$rU|$ou\");");
        run.Run(ScriptRun.Request());
        Assert.Equal("-1 sip:carol@chicago.example.com:5070|carol|sip:bob@example.com", Assert.Single(run.Host.Logs));
        Assert.StartsWith("INVITE sip:carol@chicago.example.com:5070 SIP/2.0\r\n", run.Output(), StringComparison.Ordinal);
    }

    [Fact]
    public void DestinationUriIsSetAndClearedWithNull()
    {
        var run = new ScriptRun("$du = \"sip:10.1.1.1:5090\"; xlog(\"$du $dd $dp\"); if (isdsturiset()) xlog(\"set\"); $du = NULL; if (!isdsturiset()) xlog(\"clear\");");
        run.Run(ScriptRun.Request());
        Assert.Equal(["-1 sip:10.1.1.1:5090 10.1.1.1 5090", "-1 set", "-1 clear"], run.Host.Logs);
    }

    [Fact]
    public void VarsKeepIntsAndStringsAndSurviveBetweenMessages()
    {
        var run = new ScriptRun("if ($var(n) == NULL) $var(n) = 0; $var(n) += 1; $var(s) = \"x\" + $var(n); xlog(\"$var(n) $var(s)\");");
        run.Run(ScriptRun.Request());
        run.Run(ScriptRun.Request());
        Assert.Equal(["-1 1 x1", "-1 2 x2"], run.Host.Logs);
    }

    [Fact]
    public void ReplyVariablesReadTheStatusAndReason()
    {
        var run = new ScriptRun("loadmodule \"sl.so\"\nroute { exit; }\nonreply_route { xlog(\"$rs $rr $rm\"); if ($rs == 180) xlog(\"ringing\"); }\n", wholeScript: true);
        run.Run("SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(["-1 180 Ringing INVITE", "-1 ringing"], run.Host.Logs);
    }

    [Fact]
    public void SourceAddressComparesWithNetworks()
    {
        var run = new ScriptRun("if ($si == 10.0.0.0/8) xlog(\"ten\"); if ($si != 192.168.0.0/16) xlog(\"not192\"); if ($si == 10.0.0.9) xlog(\"exact\"); if (src_ip == 10.0.0.10) xlog(\"wrong\");");
        run.Run(ScriptRun.Request());
        Assert.Equal(["-1 ten", "-1 not192", "-1 exact"], run.Host.Logs);
        run.Host.Logs.Clear();
        run.Run(ScriptRun.Request(), NetAddress.FromIPv4(192, 168, 1, 1, 5060));
        Assert.Empty(run.Host.Logs);
    }
}
