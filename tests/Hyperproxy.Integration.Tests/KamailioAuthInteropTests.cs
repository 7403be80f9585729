using System.Globalization;
using System.Text.Json.Nodes;
using Hyperproxy.Integration.Tests.Infrastructure;
using Hyperproxy.Integration.Tests.Management;
using Hyperproxy.Tests.EndToEnd;

namespace Hyperproxy.Integration.Tests;

/// <summary>
/// Digest authentication across Kamailio 5.6 and Hyperproxy with real processes on loopback (the scripts are in
/// <see cref="KamailioAuthScenarios"/>; both auth_db modules read one db_text directory).
/// Kamailio in FRONT: UA (sipsak, SIPp) → Kamailio (tm relay, record_route, no auth) → Hyperproxy (www_authorize /
/// proxy_authorize, registrar, tm) → SIPp callee. Kamailio as the REGISTRAR BEHIND: UA → Hyperproxy edge (add_path,
/// stateless forward) → Kamailio (auth_db + registrar with Path), and the edge that authenticates and consumes the
/// credentials itself before relaying.
/// </summary>
public sealed class KamailioAuthInteropTests
{
    private const int SippTimeoutSeconds = 30;
    private const int LogMilliseconds = 20_000;

    /// <summary>Hyperproxy (registrar + home proxy with auth, MI over HTTP) and Kamailio in front of it.</summary>
    public sealed class FrontFixture : IAsyncLifetime
    {
        private ManagedServer? _hyperproxy;
        private KamailioPeer? _kamailio;

        internal ManagedServer Hyperproxy => _hyperproxy ?? throw new InvalidOperationException("not started");

        internal KamailioPeer Kamailio => _kamailio ?? throw new InvalidOperationException("not started");

        public string Folder { get; } = SippRun.NewWorkFolder();

        public async Task InitializeAsync()
        {
            _hyperproxy = await ManagedServer.StartAsync(KamailioAuthScenarios.HyperproxyHome.Replace("{DB}", "{DIR}/db", StringComparison.Ordinal),
                workers: 2, prepare: dir => KamailioAuthScenarios.WriteSubscribers(Path.Combine(dir, "db")));
            _kamailio = KamailioPeer.Start(KamailioAuthScenarios.KamailioFront(_hyperproxy.SipPort), Folder);
        }

        public async Task DisposeAsync()
        {
            _kamailio?.Dispose();
            if (_hyperproxy is not null)
            {
                await _hyperproxy.DisposeAsync();
            }

            Directory.Delete(Folder, recursive: true);
        }

        public string Context => $"\n=== kamailio\n{Tail(Kamailio.Output)}\n=== hyperproxy\n{Hyperproxy.Process}";
    }

    /// <summary>Kamailio (auth_db + registrar with Path) and the Hyperproxy edge in front of it, which does not authenticate.</summary>
    public sealed class BehindFixture : IAsyncLifetime
    {
        private HyperproxyProcess? _hyperproxy;
        private KamailioPeer? _kamailio;

        internal HyperproxyProcess Hyperproxy => _hyperproxy ?? throw new InvalidOperationException("not started");

        internal KamailioPeer Kamailio => _kamailio ?? throw new InvalidOperationException("not started");

        public string Folder { get; } = SippRun.NewWorkFolder();

        public async Task InitializeAsync()
        {
            string db = Path.Combine(Folder, "db");
            KamailioAuthScenarios.WriteSubscribers(db);
            _kamailio = KamailioPeer.Start(KamailioAuthScenarios.KamailioRegistrar(db, authenticate: true), Folder);
            _hyperproxy = await StartEdgeAsync(Folder, _kamailio.Port, authenticate: false, consume: false);
        }

        public async Task DisposeAsync()
        {
            if (_hyperproxy is not null)
            {
                await _hyperproxy.DisposeAsync();
            }

            _kamailio?.Dispose();
            Directory.Delete(Folder, recursive: true);
        }

        public string Context => $"\n=== kamailio\n{Tail(Kamailio.Output)}\n=== hyperproxy\n{Hyperproxy}";
    }

    /// <summary>Kamailio in front of Hyperproxy.</summary>
    public sealed class KamailioInFront(FrontFixture f) : IClassFixture<FrontFixture>
    {
        [Fact]
        public async Task SipsakRegistersThroughKamailioAndHyperproxyHoldsTheBinding()
        {
            ToolResult ok = await Sipsak("-U", "-a", "secret", "-u", "alice", "-s", $"sip:alice@127.0.0.1:{f.Kamailio.Port}");
            Assert.True(ok.ExitCode == 0, ok + f.Context);

            JsonNode contacts = (await f.Hyperproxy.MiAsync("ul_show_contact", new JsonArray("location", "alice")))!["Contacts"]!;
            Assert.Contains("sip:alice@", (string)Assert.Single((JsonArray)contacts)!["Contact"]!, StringComparison.Ordinal);
            // The credentials were challenged by Hyperproxy behind Kamailio: Kamailio relayed the REGISTER without and with them.
            Assert.True(f.Kamailio.WaitForOutput("K got REGISTER credentials=yes auth=[Digest username=\"alice\"", LogMilliseconds), f.Context);

            ToolResult wrong = await Sipsak("-U", "-a", "not-secret", "-u", "alice", "-s", $"sip:alice@127.0.0.1:{f.Kamailio.Port}");
            Assert.True(wrong.ExitCode != 0, wrong + f.Context);
            Assert.Contains("403", wrong.All, StringComparison.Ordinal);
        }

        [Fact]
        public async Task TheChallengeReachesTheUaThroughKamailioAndTheCredentialsReachHyperproxyUntouched()
        {
            string folder = SippRun.NewWorkFolder();
            try
            {
                SippResult r = await RegisterAsync(folder, "bob", "hunter2", 200, f.Kamailio.Port);
                string log = await File.ReadAllTextAsync(Path.Combine(folder, "register.msg"));
                Assert.True(r.Run.ExitCode == 0 && r.Successful == 1, $"{r}\n{log}{f.Context}");

                // The 401 Hyperproxy sent reached the UA through Kamailio, its challenge intact.
                string challenge = Header(log, "WWW-Authenticate");
                Assert.StartsWith("Digest realm=\"127.0.0.1\", nonce=\"", challenge, StringComparison.Ordinal);
                Assert.True(f.Kamailio.WaitForOutput($"K reply 401 www=[{challenge}]", LogMilliseconds), f.Context);

                // What the UA sent, Kamailio got and relayed, and Hyperproxy got: the same bytes.
                string credentials = Header(log, "Authorization");
                Assert.StartsWith("Digest username=\"bob\"", credentials, StringComparison.Ordinal);
                Assert.True(f.Kamailio.WaitForOutput($"K got REGISTER credentials=yes auth=[{credentials}]", LogMilliseconds), f.Context);
                Assert.True(await WaitForAsync(() => f.Hyperproxy.Process.StandardError + f.Hyperproxy.Process.StandardOutput,
                    $"HP got REGISTER auth=[{credentials}]"), f.Context);

                JsonNode contacts = (await f.Hyperproxy.MiAsync("ul_show_contact", new JsonArray("location", "bob")))!["Contacts"]!;
                Assert.StartsWith("sip:bob@127.0.0.1:", (string)Assert.Single((JsonArray)contacts)!["Contact"]!, StringComparison.Ordinal);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        [Fact]
        public async Task AWrongPasswordThroughKamailioIsRefusedWith403AndNothingIsStored()
        {
            string folder = SippRun.NewWorkFolder();
            try
            {
                SippResult r = await RegisterAsync(folder, "carol", "wrong-password", 403, f.Kamailio.Port);
                Assert.True(r.Run.ExitCode == 0 && r.Successful == 1, $"{r}{f.Context}");
                JsonObject answer = await f.Hyperproxy.RawMiAsync(
                    """{"jsonrpc":"2.0","method":"ul_show_contact","params":["location","carol"],"id":1}""");
                Assert.Equal(404, (int)answer["error"]!["code"]!);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        [Fact]
        public async Task ACallWithProxyAuthorizationThroughKamailioReachesTheCallee()
        {
            const int Calls = 3;
            string folder = SippRun.NewWorkFolder();
            try
            {
                int[] ports = Ports.FreeUdpPorts(2);
                int calleePort = ports[0], callerPort = ports[1];
                Task<SippResult> uas = SippRun.RunAsync(folder, "callee", SippTimeoutSeconds,
                    "-sf", SippRun.Scenario("Tm/uas-answer.xml"), "-i", "127.0.0.1", "-p", Text(calleePort), "-m", Text(Calls),
                    "-trace_msg", "-message_file", Path.Combine(folder, "callee.msg"));
                await SippRun.WaitListeningAsync(calleePort, uas);
                SippResult uac = await SippRun.RunAsync(folder, "caller", SippTimeoutSeconds,
                    "-sf", SippRun.Scenario("Tm/uac-call-auth.xml"), "127.0.0.1:" + Text(calleePort),
                    "-rsa", "127.0.0.1:" + Text(f.Kamailio.Port), "-s", "bob", "-i", "127.0.0.1", "-p", Text(callerPort),
                    "-m", Text(Calls), "-r", "10", "-trace_msg", "-message_file", Path.Combine(folder, "caller.msg"));
                SippResult callee = await uas;
                string callerLog = ReadIfExists(Path.Combine(folder, "caller.msg"));
                string calleeLog = ReadIfExists(Path.Combine(folder, "callee.msg"));
                string context = $"=== caller\n{uac}\n=== callee\n{callee}\n=== caller messages\n{Tail(callerLog)}{f.Context}";

                Assert.True(uac.Run.ExitCode == 0 && uac.Successful == Calls, context);
                Assert.True(callee.Run.ExitCode == 0 && callee.Successful == Calls, context);
                Assert.Equal(Calls, SippScreen.Step(uac.Screen, "407").Messages);
                Assert.Equal(Calls, SippScreen.Step(callee.Screen, "INVITE").Messages);

                // Every Proxy-Authorization the caller sent reached Hyperproxy as sent, through Kamailio.
                string[] sent = Headers(callerLog, "Proxy-Authorization");
                Assert.Equal(Calls, sent.Length);
                foreach (string credentials in sent)
                {
                    Assert.True(f.Kamailio.WaitForOutput($"pauth=[{credentials}]", LogMilliseconds), context);
                    Assert.True(await WaitForAsync(() => f.Hyperproxy.Process.StandardError + f.Hyperproxy.Process.StandardOutput,
                        $"HP got INVITE auth=[<null>] pauth=[{credentials}]"), context);
                }

                // Both proxies stayed in the dialog (Record-Route), and Hyperproxy consumed the credentials.
                Assert.Contains($"Record-Route: <sip:127.0.0.1:{f.Kamailio.Port};lr", calleeLog, StringComparison.Ordinal);
                Assert.Contains($"127.0.0.1:{f.Hyperproxy.SipPort};lr", calleeLog, StringComparison.Ordinal);
                Assert.DoesNotContain("Proxy-Authorization", calleeLog, StringComparison.OrdinalIgnoreCase);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>Kamailio as the registrar behind the Hyperproxy edge, which does not authenticate.</summary>
    public sealed class KamailioBehind(BehindFixture f) : IClassFixture<BehindFixture>
    {
        [Fact]
        public async Task SipsakRegistersThroughHyperproxyAndKamailioStoresTheBindingWithHyperproxysPath()
        {
            ToolResult ok = await Sipsak("-U", "-a", "secret", "-u", "alice", "-s", $"sip:alice@127.0.0.1:{f.Hyperproxy.Port}");
            Assert.True(ok.ExitCode == 0, ok + f.Context);
            string binding = Binding(f.Kamailio, "alice");
            Assert.Contains($"Path: <sip:127.0.0.1:{f.Hyperproxy.Port};lr>", binding, StringComparison.Ordinal);

            ToolResult wrong = await Sipsak("-U", "-a", "not-secret", "-u", "alice", "-s", $"sip:alice@127.0.0.1:{f.Hyperproxy.Port}");
            Assert.True(wrong.ExitCode != 0, wrong + f.Context);
            Assert.Contains("403", wrong.All, StringComparison.Ordinal);
        }

        [Fact]
        public async Task HyperproxyPassesKamailiosChallengeBackAndTheCredentialsOnUntouched()
        {
            string folder = SippRun.NewWorkFolder();
            try
            {
                SippResult r = await RegisterAsync(folder, "bob", "hunter2", 200, f.Hyperproxy.Port);
                string log = await File.ReadAllTextAsync(Path.Combine(folder, "register.msg"));
                Assert.True(r.Run.ExitCode == 0 && r.Successful == 1, $"{r}\n{log}{f.Context}");

                // Kamailio's challenge (its realm is the To domain; its nonce format, not Hyperproxy's 56 hex characters).
                string challenge = Header(log, "WWW-Authenticate");
                Assert.StartsWith("Digest realm=\"127.0.0.1\"", challenge, StringComparison.Ordinal);
                string credentials = Header(log, "Authorization");
                Assert.StartsWith("Digest username=\"bob\"", credentials, StringComparison.Ordinal);
                Assert.True(await WaitForAsync(() => f.Hyperproxy.StandardError + f.Hyperproxy.StandardOutput,
                    $"HP got REGISTER auth=[{credentials}]"), f.Context);
                Assert.True(f.Kamailio.WaitForOutput($"K got REGISTER credentials=yes auth=[{credentials}] pauth=[<null>] path=[<sip:127.0.0.1:{f.Hyperproxy.Port};lr>]",
                    LogMilliseconds), f.Context);

                // The 200 echoes our Path (the UA said Supported: path), and Kamailio's location holds it.
                Assert.Contains($"Path: <sip:127.0.0.1:{f.Hyperproxy.Port};lr>", log, StringComparison.Ordinal);
                string binding = Binding(f.Kamailio, "bob");
                Assert.Contains("Address: sip:bob@127.0.0.1:", binding, StringComparison.Ordinal);
                Assert.Contains($"Path: <sip:127.0.0.1:{f.Hyperproxy.Port};lr>", binding, StringComparison.Ordinal);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        [Fact]
        public async Task AWrongPasswordIsRefusedByKamailioThroughHyperproxyAndNothingIsStored()
        {
            string folder = SippRun.NewWorkFolder();
            try
            {
                SippResult r = await RegisterAsync(folder, "carol", "wrong-password", 403, f.Hyperproxy.Port);
                Assert.True(r.Run.ExitCode == 0 && r.Successful == 1, $"{r}{f.Context}");
                Assert.True(f.Kamailio.WaitForOutput("K got REGISTER credentials=yes auth=[Digest username=\"carol\"", LogMilliseconds), f.Context);
                (int exit, string dump) = f.Kamailio.Rpc("ul.dump");
                Assert.True(exit == 0, dump);
                Assert.DoesNotContain("AoR: carol", dump, StringComparison.Ordinal);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>The Hyperproxy edge authenticates itself, then relays to a Kamailio registrar that trusts it.</summary>
    public sealed class HyperproxyAuthenticatesBeforeKamailio
    {
        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task KamailioReceivesTheCredentialsOnlyWhenHyperproxyDoesNotConsumeThem(bool consume)
        {
            string folder = SippRun.NewWorkFolder();
            try
            {
                string db = Path.Combine(folder, "db");
                KamailioAuthScenarios.WriteSubscribers(db);
                using KamailioPeer kamailio = KamailioPeer.Start(KamailioAuthScenarios.KamailioRegistrar(db, authenticate: false), folder);
                await using HyperproxyProcess edge = await StartEdgeAsync(folder, kamailio.Port, authenticate: true, consume);
                string context = $"\n=== kamailio\n{Tail(kamailio.Output)}\n=== hyperproxy\n{edge}";

                SippResult r = await RegisterAsync(folder, "alice", "secret", 200, edge.Port);
                string log = await File.ReadAllTextAsync(Path.Combine(folder, "register.msg"));
                Assert.True(r.Run.ExitCode == 0 && r.Successful == 1, $"{r}\n{log}{context}");

                // The challenge is Hyperproxy's (a 56-hex-character nonce): Kamailio saw one REGISTER, the authorized one.
                Assert.Matches("nonce=\"[0-9a-f]{56}\"", Header(log, "WWW-Authenticate"));
                string credentials = Header(log, "Authorization");
                string path = $"path=[<sip:127.0.0.1:{edge.Port};lr>]";
                string expected = consume
                    ? $"K got REGISTER credentials=no auth=[<null>] pauth=[<null>] {path}"
                    : $"K got REGISTER credentials=yes auth=[{credentials}] pauth=[<null>] {path}";
                Assert.True(kamailio.WaitForOutput(expected, LogMilliseconds), $"'{expected}' not in Kamailio's log{context}");
                Assert.Equal(1, Count(kamailio.Output, "K got REGISTER"));
                if (consume)
                {
                    Assert.DoesNotContain("credentials=yes", kamailio.Output, StringComparison.Ordinal);
                }

                string binding = Binding(kamailio, "alice");
                Assert.Contains($"Path: <sip:127.0.0.1:{edge.Port};lr>", binding, StringComparison.Ordinal);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>The Hyperproxy edge of <see cref="KamailioAuthScenarios.HyperproxyEdge"/> on a free port, relaying to <paramref name="kamailioPort"/>.</summary>
    internal static async Task<HyperproxyProcess> StartEdgeAsync(string folder, int kamailioPort, bool authenticate, bool consume)
    {
        string db = Path.Combine(folder, "db");
        string config = Path.Combine(folder, "edge.cfg");
        await File.WriteAllTextAsync(config, KamailioAuthScenarios.HyperproxyEdge(kamailioPort, authenticate, consume).Replace("{DB}", db, StringComparison.Ordinal));
        return await HyperproxyProcess.StartOnFreePortAsync(false, 2, "--config", config);
    }

    /// <summary>SIPp registering <paramref name="user"/> with <paramref name="password"/> through <paramref name="port"/>; messages in register.msg.</summary>
    private static Task<SippResult> RegisterAsync(string folder, string user, string password, int finalCode, int port)
    {
        string scenario = Path.Combine(folder, "register.xml");
        File.WriteAllText(scenario, KamailioAuthScenarios.SippRegister(user, finalCode));
        return SippRun.RunAsync(folder, "register", SippTimeoutSeconds,
            "-sf", scenario, "127.0.0.1:" + Text(port), "-i", "127.0.0.1", "-p", Text(Ports.FreeUdpPort()), "-m", "1",
            "-au", user, "-ap", password, "-trace_msg", "-message_file", Path.Combine(folder, "register.msg"));
    }

    private static Task<ToolResult> Sipsak(params string[] arguments) => ToolRun.RunAsync("sipsak", arguments, TimeSpan.FromSeconds(30));

    /// <summary>Kamailio's <c>ul.dump</c> from the AoR <paramref name="aor"/> on (asserts that it is there).</summary>
    private static string Binding(KamailioPeer kamailio, string aor)
    {
        (int exit, string dump) = kamailio.Rpc("ul.dump");
        Assert.True(exit == 0, "ul.dump: " + dump);
        int at = dump.IndexOf("AoR: " + aor, StringComparison.Ordinal);
        Assert.True(at >= 0, $"no AoR {aor} in ul.dump:\n{dump}");
        int next = dump.IndexOf("AoR: ", at + 5, StringComparison.Ordinal);
        return next < 0 ? dump[at..] : dump[at..next];
    }

    /// <summary>The value of the first <paramref name="name"/> header line in a SIPp message log.</summary>
    private static string Header(string log, string name)
    {
        string[] values = Headers(log, name);
        Assert.True(values.Length > 0, $"no {name} in:\n{log}");
        return values[0];
    }

    private static string[] Headers(string log, string name)
    {
        var values = new List<string>();
        foreach (string line in log.Split('\n'))
        {
            string l = line.TrimEnd('\r').TrimStart();
            if (l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            {
                values.Add(l[(name.Length + 1)..].Trim());
            }
        }

        return [.. values];
    }

    /// <summary>Waits (bounded) until <paramref name="text"/> shows in what <paramref name="read"/> returns.</summary>
    private static async Task<bool> WaitForAsync(Func<string> read, string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMilliseconds(LogMilliseconds);
        while (!read().Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(20); // polling interval of a bounded wait
        }

        return true;
    }

    private static int Count(string text, string what)
    {
        int n = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    private static string ReadIfExists(string file) => File.Exists(file) ? File.ReadAllText(file) : "";

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Tail(string s) => s.Length > 6000 ? s[^6000..] : s;
}
