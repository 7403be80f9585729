using System.Net;
using System.Net.Sockets;
using Hyperproxy.Integration.Tests.Infrastructure;
using Hyperproxy.Tests.Shared;

namespace Hyperproxy.Integration.Tests.Tm;

/// <summary>
/// RFC 3261 §16.9 through the whole server: a branch t_relay sends over TCP to a port where nothing listens fails when
/// the connection is refused — as if the next hop had answered 503 — not when Timer B/F (fr_timeout, 60 s here) would
/// end it. A failure_route sees <c>t_check_status("503")</c> and forks to a UDP callee; with no failure_route the caller
/// gets 500 (§16.7 step 6: a winning 503 goes up as 500).
/// </summary>
public sealed class TmTransportErrorTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20); // a third of fr_timeout: the timer cannot be what ended it

    private static string Script(int deadPort, int calleePort, bool failureRoute) =>
        "loadmodule \"proto_udp.so\"\nloadmodule \"proto_tcp.so\"\nloadmodule \"tm.so\"\nloadmodule \"sl.so\"\n"
        + "modparam(\"tm\", \"fr_timeout\", 60)\nmodparam(\"tm\", \"fr_inv_timeout\", 90)\n"
        + "route {\n"
        + (failureRoute ? "  t_on_failure(\"next\");\n" : "")
        + $"  $du = \"sip:127.0.0.1:{deadPort};transport=tcp\";\n"
        + "  if (!t_relay()) { sl_reply_error(); }\n"
        + "}\n"
        + "failure_route[next] {\n"
        + $"  if (t_check_status(\"503\")) {{ $du = \"sip:127.0.0.1:{calleePort}\"; t_relay(); }}\n"
        + "}\n";

    private static int ClosedTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<(HyperproxyProcess Server, string Folder)> StartAsync(string script)
    {
        string folder = Path.Combine(Path.GetTempPath(), "hp-tmtcperr-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        string config = Path.Combine(folder, "tm.cfg");
        await File.WriteAllTextAsync(config, script);
        HyperproxyProcess server = await HyperproxyProcess.StartOnFreePortAsync(port => Task.FromResult<IReadOnlyList<string>?>(
            ["--listen", $"udp:127.0.0.1:{port}", "--listen", $"tcp:127.0.0.1:{port}", "--config", config]));
        return (server, folder);
    }

    /// <summary>The first reply of <paramref name="status"/> or above that <paramref name="peer"/> hears within the bound.</summary>
    private static async Task<string?> FinalAsync(UdpPeer peer, int status)
    {
        DateTime until = DateTime.UtcNow + s_bound;
        while (DateTime.UtcNow < until)
        {
            if (await peer.ReceiveAsync(TimeSpan.FromMilliseconds(500)) is { } got && SipText.StatusCode(got.Text) >= status)
            {
                return got.Text;
            }
        }

        return null;
    }

    [Fact]
    public async Task ARefusedTcpConnectionIsA503ThatTheFailureRouteForksOnToAnotherCallee()
    {
        using var callee = new UdpPeer(IPAddress.Loopback);
        (HyperproxyProcess server, string folder) = await StartAsync(Script(ClosedTcpPort(), callee.Port, failureRoute: true));
        await using (server)
        {
            using var uac = UdpPeer.V4();
            var proxy = new IPEndPoint(IPAddress.Loopback, server.Port);
            string callId = SipText.NewCallId();
            uac.Send(SipText.Request("MESSAGE", "sip:bob@example.test", uac, SipText.NewBranch(), callId), proxy);

            string? forked = null;
            DateTime until = DateTime.UtcNow + s_bound;
            while (forked is null && DateTime.UtcNow < until)
            {
                if (await callee.ReceiveAsync(TimeSpan.FromMilliseconds(500)) is { } got && got.Text.StartsWith("MESSAGE ", StringComparison.Ordinal))
                {
                    forked = got.Text;
                }
            }

            Assert.True(forked is not null, "the failure_route never forked the MESSAGE to the UDP callee\n" + server);
            Assert.Equal(callId, SipText.Header(forked!, "Call-ID"));
            callee.Send(SipText.ResponseTo(forked!, 200, "OK"), proxy);
            string? ok = await FinalAsync(uac, 200);
            Assert.True(ok is not null, "the caller never got the callee's 200\n" + server);
            Assert.Equal(200, SipText.StatusCode(ok!));
        }

        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task ARefusedTcpConnectionWithNoFailureRouteGivesTheCaller500()
    {
        (HyperproxyProcess server, string folder) = await StartAsync(Script(ClosedTcpPort(), 9, failureRoute: false));
        await using (server)
        {
            using var uac = UdpPeer.V4();
            var proxy = new IPEndPoint(IPAddress.Loopback, server.Port);
            uac.Send(SipText.Request("INVITE", "sip:bob@example.test", uac, SipText.NewBranch(), SipText.NewCallId()), proxy);
            string? final = await FinalAsync(uac, 200);
            Assert.True(final is not null, "the caller got no final reply\n" + server);
            Assert.Equal(500, SipText.StatusCode(final!));
        }

        Directory.Delete(folder, recursive: true);
    }
}
