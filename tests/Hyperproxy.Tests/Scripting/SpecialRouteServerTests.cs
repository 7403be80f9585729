using System.Text;
using Hyperproxy.Hosting;
using Hyperproxy.Script;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Tests.Proxy;

namespace Hyperproxy.Tests.Scripting;

/// <summary>error_route in the proxy's real reply code; startup_route and timer_route in a running server.</summary>
public sealed class SpecialRouteServerTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    private const string Modules = "loadmodule \"sl.so\"\nloadmodule \"maxfwd.so\"\nloadmodule \"sipmsgops.so\"\n";

    private static CompiledScript Compile(string routes) => new global::Hyperproxy.Modules.ModuleCatalog().CompileText(Modules + routes, "t.cfg");

    private static string BadCSeq() => StatelessProxyRequestTests.Options().Replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE", StringComparison.Ordinal);

    [Fact]
    public void ErrorRouteAnswersAMalformedRequestWithTheScriptsReply()
    {
        using var plain = new ProxyHarness();
        string automatic = Assert.Single(plain.Send(BadCSeq())).StartLine;
        string reason = automatic["SIP/2.0 400 ".Length..];

        using var proxy = new ProxyHarness(script: Compile("route {\n sl_send_reply(200, \"OK\");\n}\nerror_route {\n sl_send_reply(400, \"Bad: $err.info\");\n}\n"));
        ProxyHarness.Sent reply = Assert.Single(proxy.Send(BadCSeq()));
        Assert.Equal("SIP/2.0 400 Bad: " + reason, reply.StartLine);
        Assert.Equal(ProxyHarness.Uac, reply.Destination);
        Assert.Equal(1, proxy.Counters.BadRequests);
    }

    [Fact]
    public void ErrorRouteThatDoesNotReplyDiscardsTheRequest()
    {
        using var proxy = new ProxyHarness(script: Compile("route {\n sl_send_reply(200, \"OK\");\n}\nerror_route {\n if ($err.rcode == 400) drop;\n}\n"));
        Assert.Empty(proxy.Send(BadCSeq()));
        Assert.Equal(1, proxy.Counters.BadRequests);
        Assert.Equal("SIP/2.0 200 OK", Assert.Single(proxy.Send(StatelessProxyRequestTests.Options())).StartLine);
    }

    [Fact]
    public void WithoutErrorRouteTheAutomatic400Stays()
    {
        using var proxy = new ProxyHarness(script: Compile("route {\n sl_send_reply(200, \"OK\");\n}\n"));
        string line = Assert.Single(proxy.Send(BadCSeq())).StartLine;
        Assert.StartsWith("SIP/2.0 400 ", line, StringComparison.Ordinal);
        Assert.NotEqual("SIP/2.0 400 Bad Request", line);
    }

    [Fact]
    public void ServerRunsStartupRouteOnceAndTimerRouteOnItsOwnThreadUntilDisposed()
    {
        string marker = "startup-" + Guid.NewGuid().ToString("N");
        string path = Path.Combine(Path.GetTempPath(), "hp-routes-" + Guid.NewGuid().ToString("N") + ".cfg");
        File.WriteAllText(path, Modules
            + "route {\n sl_send_reply(200, \"OK\");\n}\n"
            + $"startup_route {{\n $var(s) = \"{marker}\"; xlog(\"L_NOTICE\", \"$var(s) up\");\n}}\n"
            + "timer_route[tick, 1] {\n $var(t) = $var(t) + 1;\n}\n");
        var capture = new CapturingWriter();
        Log.SetWriter(capture);
        try
        {
            ProxyServer server = ProxyServer.Start(new ServerOptions
            {
                Listen = [ServerOptions.ParseListen("udp:127.0.0.1:0", null)],
                Workers = 1,
                ConfigPath = path,
            });
            ScriptTimerThread timers;
            try
            {
                Assert.Contains(marker + " up", capture.Text, StringComparison.Ordinal);
                Assert.NotNull(server.Timers);
                timers = server.Timers!;
                Assert.True(SpinWait.SpinUntil(() => timers.Runs >= 2, s_bound), $"timer ran {timers.Runs} time(s)");
            }
            finally
            {
                server.Dispose();
            }

            long runs = timers.Runs;
            Assert.True(runs >= 2);
            Assert.False(SpinWait.SpinUntil(() => timers.Runs != runs, TimeSpan.FromMilliseconds(1500)), "the timer ran after Dispose");
            Assert.Equal(1, CountOf(capture.Text, marker + " up"));
        }
        finally
        {
            Log.SetWriter(Console.Error);
            File.Delete(path);
        }
    }

    [Fact]
    public void TimerThreadRunsTheTimerRouteAndStopsOnDispose()
    {
        CompiledScript script = Compile("route {\n exit;\n}\ntimer_route[tick, 1] {\n $var(t) = $var(t) + 1;\n}\n");
        var identity = new Hyperproxy.Proxy.ProxyIdentity([Hyperproxy.Sip.NetAddress.IPv4Loopback(5060)], [null]);
        var thread = new ScriptTimerThread(script, new BackgroundScriptHost(identity));
        Assert.True(SpinWait.SpinUntil(() => thread.Runs >= 2, s_bound));
        thread.Dispose();
        long runs = thread.Runs;
        Assert.False(SpinWait.SpinUntil(() => thread.Runs != runs, TimeSpan.FromMilliseconds(1500)));
    }

    [Fact]
    public void StatisticsReadTheWorkersCountersInATimerRoute()
    {
        CompiledScript script = Compile("route {\n exit;\n}\ntimer_route[stats, 60] {\n"
            + " xlog(\"L_NOTICE\", \"rcv=$stat(rcv_requests) err=$stat(err_requests) none=$stat(nonesuch)\");\n}\n");
        var identity = new Hyperproxy.Proxy.ProxyIdentity([Hyperproxy.Sip.NetAddress.IPv4Loopback(5060)], [null]);
        var counters = new Hyperproxy.Proxy.ProxyCounters[2];
        counters[0].RequestsReceived = 5;
        counters[1].RequestsReceived = 2;
        counters[1].BadRequests = 1;
        var capture = new CapturingWriter();
        Log.SetWriter(capture);
        try
        {
            script.Timers[0].Run(script.CreateContext(new BackgroundScriptHost(identity, counters)));
        }
        finally
        {
            Log.SetWriter(Console.Error);
        }

        Assert.Contains("rcv=7 err=1 none=<null>", capture.Text, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    /// <summary>Collects the log and still passes it on to standard error.</summary>
    private sealed class CapturingWriter : TextWriter
    {
        private readonly StringBuilder _text = new();

        public override Encoding Encoding => Encoding.UTF8;

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public override void Write(char value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (_text)
            {
                _text.Append(value).Append('\n');
            }

            Console.Error.WriteLine(value);
        }
    }
}
