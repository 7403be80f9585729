using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests;

/// <summary>
/// SIP over TCP against the real server (RFC 3261 §18): replies on the request's connection, framing by
/// Content-Length (400 and close without it), CRLF keep-alives (RFC 5626 §3.5.1), stateless forwarding across
/// UDP and TCP, hostile streams bounded and counted while other connections keep being served.
/// </summary>
public sealed class TcpTransportTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task OptionsOverTcpIsAnsweredOnTheSameConnectionWithItsViaStamped()
    {
        await using HyperproxyProcess server = await StartAsync();
        await using TcpSipClient client = await TcpSipClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));

        await client.SendAsync(TcpRequest("OPTIONS", $"sip:127.0.0.1:{server.Port}", client, "c1"));
        string? reply = await client.ReceiveAsync();

        Assert.NotNull(reply);
        Assert.Equal(200, SipText.StatusCode(reply));
        string via = SipText.Header(reply, "Via");
        Assert.StartsWith("SIP/2.0/TCP ", via, StringComparison.Ordinal);
        Assert.Equal(client.LocalEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), SipText.Param(via, "rport"));
    }

    [Fact]
    public async Task TwoRequestsInOneSegmentGetTwoReplies()
    {
        await using HyperproxyProcess server = await StartAsync();
        await using TcpSipClient client = await TcpSipClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));

        await client.SendAsync(TcpRequest("OPTIONS", $"sip:127.0.0.1:{server.Port}", client, "p1")
            + TcpRequest("OPTIONS", $"sip:127.0.0.1:{server.Port}", client, "p2"));
        string? first = await client.ReceiveAsync();
        string? second = await client.ReceiveAsync();

        Assert.NotNull(first);
        Assert.NotNull(second);
        string[] callIds = [SipText.Header(first, "Call-ID"), SipText.Header(second, "Call-ID")];
        Array.Sort(callIds, StringComparer.Ordinal);
        Assert.Equal(["p1", "p2"], callIds);
    }

    [Fact]
    public async Task AMessageSentByteByByteIsFramedWhole()
    {
        await using HyperproxyProcess server = await StartAsync();
        await using TcpSipClient client = await TcpSipClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));

        byte[] bytes = Encoding.ASCII.GetBytes(TcpRequest("OPTIONS", $"sip:127.0.0.1:{server.Port}", client, "slow1"));
        foreach (byte b in bytes)
        {
            await client.SendAsync([b]);
        }

        string? reply = await client.ReceiveAsync();
        Assert.NotNull(reply);
        Assert.Equal(200, SipText.StatusCode(reply));
    }

    [Fact]
    public async Task RequestWithoutContentLengthGets400AndTheConnectionCloses()
    {
        await using HyperproxyProcess server = await StartAsync();
        await using TcpSipClient client = await TcpSipClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));

        string request = TcpRequest("OPTIONS", $"sip:127.0.0.1:{server.Port}", client, "nocl");
        await client.SendAsync(request[..request.IndexOf("Content-Length", StringComparison.Ordinal)] + "\r\n");
        string? reply = await client.ReceiveAsync();

        Assert.NotNull(reply);
        Assert.Equal("SIP/2.0 400 Missing Content-Length", SipText.StartLine(reply));
        Assert.True(await client.WaitClosedAsync(s_bound), "the connection stays open after a message without Content-Length");
        string log = (await server.StopAndReadLogAsync());
        Assert.Contains("no Content-Length 1", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrlfCrlfPingGetsACrlfPong()
    {
        await using HyperproxyProcess server = await StartAsync();
        await using TcpSipClient client = await TcpSipClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));

        await client.SendAsync("\r\n\r\n");

        Assert.Equal("\r\n"u8.ToArray(), await client.ReceiveRawAsync(2));
    }

    [Fact]
    public async Task OversizedHeadersCloseThatConnectionAndOthersAreStillServed()
    {
        await using HyperproxyProcess server = await StartAsync();
        var endPoint = new IPEndPoint(IPAddress.Loopback, server.Port);
        await using TcpSipClient bad = await TcpSipClient.ConnectAsync(endPoint);
        await using TcpSipClient garbage = await TcpSipClient.ConnectAsync(endPoint);
        await using TcpSipClient good = await TcpSipClient.ConnectAsync(endPoint);

        await bad.SendAsync("OPTIONS sip:x SIP/2.0\r\nX-Big: " + new string('a', 20_000) + "\r\n");
        byte[] noise = new byte[40_000];
        new Random(7).NextBytes(noise);
        noise[0] = (byte)'Q';
        noise.AsSpan().Replace((byte)'\n', (byte)'.');
        await garbage.SendAsync(noise);

        Assert.True(await bad.WaitClosedAsync(s_bound), "oversized headers did not close the connection");
        Assert.True(await garbage.WaitClosedAsync(s_bound), "garbage did not close the connection");
        await good.SendAsync(TcpRequest("OPTIONS", $"sip:127.0.0.1:{server.Port}", good, "still"));
        string? reply = await good.ReceiveAsync();
        Assert.NotNull(reply);
        Assert.Equal(200, SipText.StatusCode(reply));
        Assert.Contains("too large 2", await server.StopAndReadLogAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMessageThatNeverCompletesIsDroppedAfterTcpMaxMsgTime()
    {
        await using HyperproxyProcess server = await StartAsync(script: "tcp_max_msg_time = 1\n");
        await using TcpSipClient client = await TcpSipClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));

        await client.SendAsync("OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKslow\r\n");

        Assert.True(await client.WaitClosedAsync(s_bound), "a slowloris connection was kept");
        Assert.Contains("slow 1", await server.StopAndReadLogAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MoreConnectionsThanTcpMaxConnectionsAreRefused()
    {
        await using HyperproxyProcess server = await StartAsync(script: "tcp_max_connections = 2\n");
        var endPoint = new IPEndPoint(IPAddress.Loopback, server.Port);
        await using TcpSipClient a = await TcpSipClient.ConnectAsync(endPoint);
        await using TcpSipClient b = await TcpSipClient.ConnectAsync(endPoint);
        await a.SendAsync(TcpRequest("OPTIONS", $"sip:127.0.0.1:{server.Port}", a, "m1"));
        Assert.NotNull(await a.ReceiveAsync());
        await b.SendAsync(TcpRequest("OPTIONS", $"sip:127.0.0.1:{server.Port}", b, "m2"));
        Assert.NotNull(await b.ReceiveAsync());

        await using TcpSipClient c = await TcpSipClient.ConnectAsync(endPoint);

        Assert.True(await c.WaitClosedAsync(s_bound), "a third connection was accepted past tcp_max_connections = 2");
        Assert.Contains("refused 1/0", await server.StopAndReadLogAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnIdleConnectionIsClosedAfterTcpConnectionLifetime()
    {
        await using HyperproxyProcess server = await StartAsync(script: "tcp_connection_lifetime = 1\n");
        await using TcpSipClient client = await TcpSipClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));

        Assert.True(await client.WaitClosedAsync(s_bound), "an idle connection outlived tcp_connection_lifetime");
        Assert.Contains("idle 1", await server.StopAndReadLogAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestFromUdpToATcpNextHopOpensAConnectionAndTheReplyComesBackOverUdp()
    {
        using var peer = new TcpListener(IPAddress.Loopback, 0);
        peer.Start();
        int peerPort = ((IPEndPoint)peer.LocalEndpoint).Port;
        await using HyperproxyProcess server = await StartAsync();
        using UdpPeer ua = UdpPeer.V4();

        string request = SipText.Request("OPTIONS", $"sip:bob@127.0.0.1:{peerPort};transport=tcp", ua, SipText.NewBranch(), SipText.NewCallId());
        ua.Send(request, new IPEndPoint(IPAddress.Loopback, server.Port));
        using var accept = new CancellationTokenSource(s_bound);
        using Socket accepted = await peer.AcceptSocketAsync(accept.Token);
        await using TcpSipClient far = TcpSipClient.Accepted(accepted);
        string? forwarded = await far.ReceiveAsync();

        Assert.NotNull(forwarded);
        List<string> vias = SipText.Headers(forwarded, "Via");
        Assert.StartsWith($"SIP/2.0/TCP 127.0.0.1:{server.Port};branch=z9hG4bK", vias[0], StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0/UDP ", vias[1], StringComparison.Ordinal);
        await far.SendAsync(SipText.ResponseTo(forwarded, 200, "OK"));
        string reply = await ua.ExpectAsync("the 200 relayed from TCP to UDP");
        Assert.Equal(200, SipText.StatusCode(reply));
        Assert.Single(SipText.Headers(reply, "Via"));
    }

    [Fact]
    public async Task RequestFromTcpToAUdpNextHopCarriesTheConnectionAndTheReplyReturnsOnIt()
    {
        await using HyperproxyProcess server = await StartAsync();
        using UdpPeer far = UdpPeer.V4();
        await using TcpSipClient ua = await TcpSipClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));

        // No rport: only the ;i= connection id in our Via leads the reply back to this connection.
        await ua.SendAsync(TcpRequest("OPTIONS", $"sip:bob@127.0.0.1:{far.Port}", ua, "t2u", rport: false));
        string forwarded = await far.ExpectAsync("the request forwarded from TCP to UDP");
        List<string> vias = SipText.Headers(forwarded, "Via");
        Assert.StartsWith($"SIP/2.0/UDP 127.0.0.1:{server.Port};branch=z9hG4bK", vias[0], StringComparison.Ordinal);
        Assert.NotNull(SipText.Param(vias[0], "i"));
        Assert.StartsWith("SIP/2.0/TCP ", vias[1], StringComparison.Ordinal);

        far.Send(SipText.ResponseTo(forwarded, 200, "OK"), new IPEndPoint(IPAddress.Loopback, server.Port));
        string? reply = await ua.ReceiveAsync();

        Assert.NotNull(reply);
        Assert.Equal(200, SipText.StatusCode(reply));
        Assert.Single(SipText.Headers(reply, "Via"));
    }

    [Fact]
    public async Task RecordRouteIsDoubledWithTheTransportWhenARequestCrossesFromUdpToTcp()
    {
        using var peer = new TcpListener(IPAddress.Loopback, 0);
        peer.Start();
        int peerPort = ((IPEndPoint)peer.LocalEndpoint).Port;
        await using HyperproxyProcess server = await StartAsync(script: "loadmodule \"rr.so\"\nloadmodule \"sl.so\"\nroute {\n    record_route();\n    if (!forward()) { sl_reply_error(); }\n}\n");
        using UdpPeer ua = UdpPeer.V4();

        ua.Send(SipText.Request("OPTIONS", $"sip:bob@127.0.0.1:{peerPort};transport=tcp", ua, SipText.NewBranch(), SipText.NewCallId()),
            new IPEndPoint(IPAddress.Loopback, server.Port));
        using var accept = new CancellationTokenSource(s_bound);
        using Socket accepted = await peer.AcceptSocketAsync(accept.Token);
        await using TcpSipClient far = TcpSipClient.Accepted(accepted);
        string? forwarded = await far.ReceiveAsync();

        Assert.NotNull(forwarded);
        List<string> rr = SipText.Headers(forwarded, "Record-Route");
        Assert.Equal(2, rr.Count);
        Assert.Contains(";transport=tcp", rr[0], StringComparison.Ordinal);
        Assert.DoesNotContain("transport=", rr[1], StringComparison.Ordinal);
        Assert.All(rr, r => Assert.Contains("r2=on", r, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARegistrarReachesATcpClientOverTheConnectionItRegisteredOn()
    {
        string data = Path.Combine(Path.GetTempPath(), $"hp-tcp-reg-{Guid.NewGuid():N}");
        await using HyperproxyProcess server = await StartAsync(script: """
            loadmodule "sl.so"
            loadmodule "sipmsgops.so"
            loadmodule "usrloc.so"
            loadmodule "registrar.so"
            modparam("registrar", "received_avp", "$avp(rcv)")
            route {
                if (is_method("REGISTER")) {
                    $avp(rcv) = "sip:" + $si + ":" + $sp + ";transport=" + $proto;
                    save("location");
                    exit;
                }
                if (!lookup("location")) {
                    sl_send_reply(404, "Not Found");
                    exit;
                }
                if (!forward()) { sl_reply_error(); }
            }

            """, "--data-dir", data, "--durability", "none");
        try
        {
            await using TcpSipClient phone = await TcpSipClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));
            // The phone listens nowhere: its Contact port is closed; only its own connection reaches it.
            await phone.SendAsync($"REGISTER sip:127.0.0.1:{server.Port} SIP/2.0\r\nVia: SIP/2.0/TCP {phone.SentBy};branch={SipText.NewBranch()}\r\n"
                + "Max-Forwards: 70\r\nFrom: <sip:phone@127.0.0.1>;tag=r1\r\nTo: <sip:phone@127.0.0.1>\r\nCall-ID: reg-tcp\r\nCSeq: 1 REGISTER\r\n"
                + "Contact: <sip:phone@127.0.0.1:9;transport=tcp>;expires=600\r\nContent-Length: 0\r\n\r\n");
            string? registered = await phone.ReceiveAsync();
            Assert.NotNull(registered);
            Assert.Equal(200, SipText.StatusCode(registered));

            using UdpPeer caller = UdpPeer.V4();
            caller.Send(SipText.Request("OPTIONS", $"sip:phone@127.0.0.1:{server.Port}", caller, SipText.NewBranch(), "call-to-tcp"),
                new IPEndPoint(IPAddress.Loopback, server.Port));
            string? request = await phone.ReceiveAsync();

            Assert.NotNull(request);
            Assert.StartsWith("OPTIONS sip:phone@127.0.0.1:9;transport=tcp SIP/2.0", request, StringComparison.Ordinal);
            await phone.SendAsync(SipText.ResponseTo(request, 200, "OK"));
            Assert.Equal(200, SipText.StatusCode(await caller.ExpectAsync("the phone's 200 relayed back to UDP")));
        }
        finally
        {
            await server.StopAsync();
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("t1")]
    [InlineData("tn")]
    public async Task SippOptionsOverTcpGet200ForEveryRequest(string mode)
    {
        await using HyperproxyProcess server = await StartAsync();
        string folder = SippRun.NewWorkFolder();
        try
        {
            SippResult r = await SippRun.RunAsync(folder, "options-tcp", 30,
                "-sf", SippRun.Scenario("options.xml"), $"127.0.0.1:{server.Port}", "-i", "127.0.0.1", "-t", mode,
                "-m", "200", "-r", "200", "-l", "50", "-max_socket", "60");

            Assert.True(r.Run.ExitCode == 0, r.ToString());
            Assert.Equal(200, r.Successful);
            string log = await server.StopAndReadLogAsync();
            Assert.Contains("messages in 200,", log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task SipsakPingsOverTcp()
    {
        await using HyperproxyProcess server = await StartAsync();

        ToolResult r = await ToolRun.RunAsync("sipsak", ["--transport=tcp", "-vv", "-s", $"sip:127.0.0.1:{server.Port}"], s_bound);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("SIP/2.0 200 OK", r.Output, StringComparison.Ordinal);
        Assert.Contains("Via: SIP/2.0/TCP", r.Output, StringComparison.Ordinal);
    }

    /// <summary>A request as a TCP UA sends it: Via SIP/2.0/TCP with its connection's address.</summary>
    internal static string TcpRequest(string method, string uri, TcpSipClient from, string callId, bool rport = true) =>
        $"{method} {uri} SIP/2.0\r\nVia: SIP/2.0/TCP {from.SentBy};branch={SipText.NewBranch()}{(rport ? ";rport" : "")}\r\nMax-Forwards: 70\r\n"
        + $"From: <sip:alice@{from.SentBy}>;tag=t{callId}\r\nTo: <{uri}>\r\nCall-ID: {callId}\r\nCSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n";

    /// <summary>
    /// The server on a free port with UDP and TCP sockets on it: the built-in default script's routing, or that routing with
    /// <paramref name="script"/>'s extra core parameters in front.
    /// </summary>
    internal static Task<HyperproxyProcess> StartAsync(string? script = null, params string[] extra) =>
        HyperproxyProcess.StartOnFreePortAsync(async port =>
        {
            if (!TcpFree(port))
            {
                return null;
            }

            var args = new List<string> { "--listen", $"udp:127.0.0.1:{port}", "--listen", $"tcp:127.0.0.1:{port}", "--workers", "2" };
            if (script is not null)
            {
                string path = Path.Combine(Path.GetTempPath(), $"hp-tcp-{Guid.NewGuid():N}.cfg");
                await File.WriteAllTextAsync(path, "loadmodule \"proto_tcp.so\"\n" + script + (script.Contains("route {", StringComparison.Ordinal) ? "" : DefaultRouting()));
                args.Add("--config");
                args.Add(path);
            }

            args.AddRange(extra);
            return args;
        });

    private static bool TcpFree(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The built-in script without its socket line (the test's --listen values are the sockets).</summary>
    private static string DefaultRouting()
    {
        string text = Hyperproxy.Script.ScriptLoader.DefaultScriptText;
        var lines = text.Split('\n').Where(l => !l.TrimStart().StartsWith("socket", StringComparison.Ordinal) && !l.TrimStart().StartsWith("log_level", StringComparison.Ordinal));
        return string.Join('\n', lines);
    }
}
