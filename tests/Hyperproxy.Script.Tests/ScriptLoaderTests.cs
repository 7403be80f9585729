using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Syntax;
using static Hyperproxy.Script.Tests.ScriptTestHelper;

namespace Hyperproxy.Script.Tests;

public class ScriptLoaderTests
{
    private const string RealisticConfig = """
        #
        # edge proxy + registrar, opensips.cfg style
        #
        log_level=3
        xlog_level=3
        stderror_enabled=no
        syslog_enabled=yes
        syslog_facility=LOG_LOCAL0
        udp_workers=4
        socket=udp:127.0.0.1:5060   # main socket
        listen=udp:[::1]:5062 as 192.0.2.10:5060 use_workers 2
        alias="sip.example.com"
        advertised_address="203.0.113.5"
        advertised_port=5060
        server_header="Server: Hyperproxy"
        max_while_loops=100

        mpath="/usr/lib/x86_64-linux-gnu/opensips/modules/"
        loadmodule "signaling.so"
        loadmodule "sl.so"
        loadmodule "maxfwd.so"
        loadmodule "sipmsgops.so"
        loadmodule "rr.so"
        loadmodule "path.so"
        loadmodule "usrloc.so"
        loadmodule "registrar.so"
        loadmodule "proto_udp.so"

        modparam("maxfwd", "max_limit", 70)
        modparam("rr", "append_fromtag", 0)
        modparam("path", "use_received", 1)
        modparam("usrloc", "nat_bflag", "NAT")
        modparam("usrloc", "working_mode_preset", "single-instance-no-db")
        modparam("registrar", "tcp_persistent_flag", "TCP_PERSISTENT")
        modparam("registrar", "max_contacts", 10)

        route {
            if (!mf_process_maxfwd_header(10)) {
                send_reply(483, "Too Many Hops");
                exit;
            }

            if (has_totag()) {
                if (loose_route()) {
                    route(relay);
                }
                send_reply(404, "Not here");
                exit;
            }

            if ($si == 10.0.0.0/8 && !is_myself("$fd")) {
                xlog("L_NOTICE", "private source $si:$sp for $(ru{uri.user})\n");
            }

            if (!is_method("REGISTER|MESSAGE"))
                record_route();

            if (!is_myself("$rd")) {
                append_hf("P-hint: outbound\r\n");
                route(relay);
            }

            switch ($rm) {
                case "PUBLISH":
                case "SUBSCRIBE":
                    send_reply(503, "Service Unavailable");
                    exit;
                case "REGISTER":
                    add_path_received();
                    if (!save("location", "p2v"))
                        sl_reply_error();
                    exit;
                default:
                    break;
            }

            if ($rU == NULL) {
                send_reply(484, "Address Incomplete");
                exit;
            }

            $var(tries) = 0;
            while ($var(tries) < 3) {
                $var(tries) += 1;
            }

            if (!lookup("location")) {
                send_reply(404, "Not Found");
                exit;
            }

            route(relay);
        }

        route[relay] {
            if (is_method("INVITE"))
                setflag(ACC);
            if (!forward())
                sl_reply_error();
            exit;
        }

        onreply_route {
            if ($rs =~ "^1[0-9][0-9]$")
                xlog("provisional $rs $rr\n");
        }
        """;

    [Fact]
    public void SeedSnippetWithoutLoadmoduleSaysWhichModuleSaveNeedsAtItsPosition()
    {
        var result = Load("route {\n    if (method == \"REGISTER\") {\n        save(\"location\", \"p2v\");\n        exit;\n    }\n}\n");
        Assert.False(result.Succeeded);
        Assert.Equal("test.cfg:3:9: function 'save' needs module 'registrar' (add loadmodule \"registrar.so\")", Assert.Single(result.Diagnostics).ToString());
    }

    [Fact]
    public void TheDnsSettingsDefaultAsOpenSipsAndBind()
    {
        var defaults = Load("route { exit; }\n");
        Assert.True(defaults.Succeeded, defaults.FormatDiagnostics());
        Assert.Equal((true, false, false), (defaults.Program!.Settings.DnsTryNaptr, defaults.Program.Settings.DnsTryIpv6, defaults.Program.Settings.DisableDnsFailover));

        var set = Load("dns_try_naptr = no\ndns_try_ipv6 = yes\ndisable_dns_failover = yes\ndns = no\nrev_dns = no\ndisable_dns_blacklist = yes\nroute { exit; }\n");
        Assert.True(set.Succeeded, set.FormatDiagnostics());
        Assert.Equal((false, true, true), (set.Program!.Settings.DnsTryNaptr, set.Program.Settings.DnsTryIpv6, set.Program.Settings.DisableDnsFailover));
    }

    [Fact]
    public void RealisticConfigLoadsWithTheBuiltInModules()
    {
        var result = Load(RealisticConfig.Replace("opensips.cfg", FileName, StringComparison.Ordinal));
        Assert.True(result.Succeeded, result.FormatDiagnostics());
        var program = result.Program!;

        Assert.Equal(4, program.Settings.UdpWorkers);
        Assert.Equal(3, program.Settings.LogLevel);
        Assert.Equal(100, program.Settings.MaxWhileLoops);
        Assert.Equal("203.0.113.5", program.Settings.AdvertisedAddress);
        Assert.Equal("Server: Hyperproxy", program.Settings.ServerHeader);
        Assert.Equal(2, program.Settings.Sockets.Count);
        Assert.Equal(new SocketSpec("udp", "127.0.0.1", 5060), program.Settings.Sockets[0].Address);
        Assert.Equal(new SocketSpec("udp", "::1", 5062), program.Settings.Sockets[1].Address);
        Assert.Equal(new SocketSpec(null, "192.0.2.10", 5060), program.Settings.Sockets[1].AdvertisedAs);
        Assert.Equal(2, program.Settings.Sockets[1].Workers);
        Assert.Equal("sip.example.com", Assert.Single(program.Settings.Aliases).Host);
        Assert.Equal("/usr/lib/x86_64-linux-gnu/opensips/modules/", program.Settings.ModulePath);

        Assert.Equal(9, program.Modules.Count);
        Assert.Equal(70, program.GetModuleParameter("maxfwd", "max_limit"));
        Assert.Equal(0, program.GetModuleParameter("rr", "append_fromtag"));
        Assert.Equal("TCP_PERSISTENT", program.GetModuleParameter("registrar", "tcp_persistent_flag"));
        Assert.Equal(1, program.GetModuleParameter("path", "use_received"));
        Assert.True(program.UsesForward);
        Assert.Equal(0, program.MessageFlags["ACC"]);
        Assert.NotNull(program.MainRoute);
        Assert.NotNull(program.MainReplyRoute);
        Assert.Equal(RouteTypes.Request, program.FindRoute(RouteTypes.Request, "relay")!.ReachableFrom);
    }

    [Fact]
    public void DefaultScriptLoadsAndExpressesThePacketPipeline()
    {
        var modules = new Modules.ModuleCatalog();
        var result = ScriptLoader.LoadDefault(modules.CreateRegistry(), modules.CreateVariables());
        Assert.True(result.Succeeded, result.FormatDiagnostics());
        var main = result.Program!.MainRoute!;
        var calls = new List<CallExpression>();
        Collect(main.Body, calls);
        Assert.Equal(["mf_process_maxfwd_header", "is_method", "is_present_hf", "route", "sl_send_reply", "is_present_hf", "route", "forward", "sl_reply_error"],
            calls.Select(c => c.Name));
        Assert.Equal(70, calls[0].FixedArguments[0]);
        Assert.Equal(483, calls[4].FixedArguments[0]);
        Assert.NotNull(result.Program.FindRoute(RouteTypes.Request, "local"));
        Assert.NotNull(result.Program.FindRoute(RouteTypes.Request, "options"));
        Assert.True(result.Program.UsesForward);
        Assert.Contains("# Every request received runs this block.", ScriptLoader.DefaultScriptText, StringComparison.Ordinal);
    }

    [Fact]
    public void IncludedFilesAreReadAndReportErrorsAtTheirOwnPositions()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hp-script-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "routes.cfg"), "route[relay] {\n  forward();\n  oops();\n}\n");
            string main = Path.Combine(dir, "main.cfg");
            File.WriteAllText(main, "include_file \"routes.cfg\"\nimport_file \"absent.cfg\"\nroute {\n  route(relay);\n  nope();\n}\n");
            var result = ScriptLoader.Load(main);
            Assert.Equal(
            [
                $"{main}:5:3: unknown function 'nope'",
                $"{Path.Combine(dir, "routes.cfg")}:3:3: unknown function 'oops'",
            ], result.Diagnostics.Select(d => d.ToString()));

            File.WriteAllText(main, "include_file \"missing.cfg\"\nroute { exit; }\n");
            Assert.Equal($"{main}:1:14: cannot read included file 'missing.cfg'", Assert.Single(ScriptLoader.Load(main).Diagnostics).ToString());

            File.WriteAllText(main, "include_file \"main.cfg\"\nroute { exit; }\n");
            Assert.Contains(ScriptLoader.Load(main).Diagnostics, d => d.Message.Contains("nested more than 16 deep", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MissingScriptFileIsADiagnostic()
    {
        var result = ScriptLoader.Load("/nonexistent/hyperproxy.cfg");
        Assert.Equal("/nonexistent/hyperproxy.cfg:0:0: cannot read the script file", Assert.Single(result.Diagnostics).ToString());
    }

    private static void Collect(Statement statement, List<CallExpression> calls)
    {
        switch (statement)
        {
            case BlockStatement b:
                b.Statements.ForEach(s => Collect(s, calls));
                break;
            case IfStatement i:
                CollectExpression(i.Condition, calls);
                Collect(i.Then, calls);
                if (i.Else is not null)
                    Collect(i.Else, calls);
                break;
            case ExpressionStatement e:
                calls.Add(e.Call);
                break;
        }
    }

    private static void CollectExpression(Expression e, List<CallExpression> calls)
    {
        switch (e)
        {
            case CallExpression c:
                calls.Add(c);
                break;
            case UnaryExpression u:
                CollectExpression(u.Operand, calls);
                break;
            case BinaryExpression b:
                CollectExpression(b.Left, calls);
                CollectExpression(b.Right, calls);
                break;
        }
    }
}
