namespace Hyperproxy.Script.Tests.Runtime;

/// <summary>One script with every construct of the issue: it loads, compiles and behaves as specified.</summary>
public sealed class EveryConstructTests
{
    internal const string Script = """
        # globals (both dialects)
        log_level = 3
        debug = 3
        children = 2
        udp_workers = 2
        socket = udp:127.0.0.1:5060
        listen = udp:127.0.0.1:5061
        alias = proxy.example.com
        advertised_address = "edge.example.com"
        max_while_loops = 50
        server_header = "Server: test"
        /* modules */
        loadmodule "sl.so"
        loadmodule "signaling.so"
        loadmodule "maxfwd.so"
        loadmodule "sipmsgops.so"
        loadmodule "proto_udp.so"
        modparam("maxfwd", "max_limit", 70)
        modparam("proto_udp", "udp_port", 5060)

        route {
            if (!mf_process_maxfwd_header(10)) { send_reply(483, "Too Many Hops"); exit; }
            $var(i) = 0;
            $var(acc) = "";
            while ($var(i) < 3) {
                $var(acc) = $var(acc) + $var(i);
                $var(i) += 1;
            }
            $var(bits) = (6 & 3) | (1 << 3) ^ 1;
            $var(neg) = -$var(i) * 2 % 5;
            if (method == "INVITE" && uri != myself && src_ip == 10.0.0.0/8 && src_port > 1024 && $Rp == 5060 && $Ri == "127.0.0.1") {
                setflag(SEEN);
                setbflag(NAT);
            } else {
                xlog("legacy keywords failed\n");
            }
            switch ($(fu{uri.user})) {
            case "alice":
                $avp(who) = "A";
                break;
            case 42:
                $avp(who) = "num";
                break;
            default:
                $avp(who) = NULL;
            }
            if ($ua =~ "^test-[a-z]+/[[:digit:]]" and not ($ua !~ "ua")) { $var(ua) = 1; }
            if ($tt == NULL || $rU == "nobody") { $var(initial) = 1; }
            route(helper, $var(acc), 5);
            xlog("L_NOTICE", "acc=$var(acc) bits=$var(bits) neg=$var(neg) who=$avp(who) rc=$rc ret=$return(0) flag=$mf ua=$var(ua) i=$var(initial) len=$(ru{s.len})\n");
            $avp(hops) = "b"; $avp(hops) = "c";
            $var(walk) = "";
            for ($var(h) in $(avp(hops)[*])) { $var(walk) = $var(walk) + $var(h); }
            xlog("L_NOTICE", "walk=$var(walk) sub=$(fu{s.substr,4,5}) sel=$(fu{s.select,1,@}) md5=$(rU{s.md5}{s.len}) tag=$(hdr(From){nameaddr.param,tag}) ip=$(si{ip.isip})\n");
            if ($rm == "BYE") drop;
            append_hf("X-Seen: $si\r\n");
            forward();
            exit;
        }

        route[helper] {
            if ($param(1) == "012" && $param(2) == 5) return(3, "ok-" + $param(1));
            return(-2);
        }

        branch_route[per_branch] { xlog("branch\n"); }
        failure_route[missed] { exit; }
        onreply_route { if ($rs >= 200) xlog("final\n"); }
        onreply_route[nat] { drop; }
        error_route { exit; }
        """;

    [Fact]
    public void EveryConstructLoadsAndBehaves()
    {
        var run = new ScriptRun(Script, wholeScript: true);
        run.Run(ScriptRun.Request(extra: "X-Extra: 1\r\n"));
        Assert.Equal(["2 acc=012 bits=11 neg=-1 who=A rc=3 ret=ok-012 flag=1 ua=1 i=1 len=19",
            "2 walk=cb sub=alice sel=atlanta.example.com md5=32 tag=f1 ip=1"], run.Host.Logs);
        Assert.True(run.Context.IsFlagSet(0));
        Assert.Equal(1u, run.Context.BranchFlags);
        Assert.Equal(("", "sip:bob@example.com", ""), Assert.Single(run.Host.Forwards));
        Assert.Contains("X-Seen: 10.0.0.9\r\n", run.Output(), StringComparison.Ordinal);
        Assert.Equal(2, run.Script.Program.Settings.UdpWorkers);

        run.Host.Logs.Clear();
        run.Run(ScriptRun.Request("BYE"));
        Assert.True(run.Context.Dropped);
        Assert.Single(run.Host.Forwards);
    }
}
