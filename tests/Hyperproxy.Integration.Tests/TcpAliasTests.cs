using System.Net;
using System.Net.Sockets;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests;

/// <summary>
/// RFC 5923 connection reuse against the real server: a TCP client says in its Via that it listens on a port where
/// nothing listens (only its connection reaches it). With <c>tcp_accept_aliases</c> and <c>;alias</c> in the Via, or
/// with <c>force_tcp_alias()</c> in the script, a request later routed to that address arrives on the client's
/// connection; without either, the server tries a new connection to the address and fails.
/// </summary>
public sealed class TcpAliasTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(true, ";alias", false)]
    [InlineData(false, "", true)]
    public async Task ARequestToTheAliasedAddressArrivesOnTheClientsConnection(bool acceptAliases, string viaParam, bool force)
    {
        (string? delivered, string log) = await RunAsync(acceptAliases, viaParam, force);

        Assert.NotNull(delivered);
        Assert.StartsWith("MESSAGE sip:bob@127.0.0.1:", delivered, StringComparison.Ordinal);
        Assert.Contains("aliases 1 (refused 0)", log, StringComparison.Ordinal);
        Assert.Contains("connect failures 0", log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, ";alias")]
    [InlineData(true, "")]
    public async Task WithoutAnAliasTheServerConnectsToTheAddressItself(bool acceptAliases, string viaParam)
    {
        (string? delivered, string log) = await RunAsync(acceptAliases, viaParam, force: false);

        Assert.Null(delivered);
        Assert.Contains("aliases 0 (refused 0)", log, StringComparison.Ordinal);
        Assert.Contains("connect failures 1", log, StringComparison.Ordinal);
    }

    /// <summary>
    /// The client registers its connection with an OPTIONS (answered 200), then a UDP peer sends a MESSAGE whose
    /// Request-URI is the client's Via address over TCP; what reaches the client within the bound (null: nothing), and
    /// the server's log after it stopped.
    /// </summary>
    private static async Task<(string? Delivered, string Log)> RunAsync(bool acceptAliases, string viaParam, bool force)
    {
        string folder = SippRun.NewWorkFolder();
        try
        {
            string config = Path.Combine(folder, "alias.cfg");
            await File.WriteAllTextAsync(config, $$"""
                log_level = 2
                tcp_accept_aliases = {{(acceptAliases ? "yes" : "no")}}
                tcp_connect_timeout = 500
                loadmodule "proto_tcp.so"
                loadmodule "sl.so"
                loadmodule "sipmsgops.so"
                route {
                    if ($proto == "tcp") {
                        if (is_present_hf("X-Force-Alias")) {
                            force_tcp_alias();
                        }
                        sl_send_reply(200, "OK");
                        exit;
                    }
                    forward();
                }
                """);
            await using HyperproxyProcess server = await HyperproxyProcess.StartOnFreePortAsync(port => Task.FromResult<IReadOnlyList<string>?>(
                ["--listen", $"udp:127.0.0.1:{port}", "--listen", $"tcp:127.0.0.1:{port}", "--config", config]));
            await using TcpSipClient client = await TcpSipClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port));
            int listening = ClosedTcpPort();
            string callId = SipText.NewCallId();
            await client.SendAsync($"OPTIONS sip:127.0.0.1:{server.Port};transport=tcp SIP/2.0\r\n"
                + $"Via: SIP/2.0/TCP 127.0.0.1:{listening};branch={SipText.NewBranch()}{viaParam}\r\n"
                + $"Max-Forwards: 70\r\nFrom: <sip:bob@127.0.0.1>;tag=b1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: {callId}\r\nCSeq: 1 OPTIONS\r\n"
                + (force ? "X-Force-Alias: yes\r\n" : "") + "Content-Length: 0\r\n\r\n");
            string? ok = await client.ReceiveAsync(s_bound);
            Assert.NotNull(ok);
            Assert.Equal(200, SipText.StatusCode(ok));

            using UdpPeer peer = UdpPeer.V4();
            peer.Send(SipText.Request("MESSAGE", $"sip:bob@127.0.0.1:{listening};transport=tcp", peer, SipText.NewBranch(), SipText.NewCallId()),
                new IPEndPoint(IPAddress.Loopback, server.Port));
            // Bounded: with an alias the MESSAGE comes at once; without, the connect to the closed port fails within
            // tcp_connect_timeout (500 ms) and nothing comes.
            string? delivered = await client.ReceiveAsync(TimeSpan.FromSeconds(3));
            string log = await server.StopAndReadLogAsync();
            return (delivered, log);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A loopback TCP port nothing listens on (bound once by the kernel's choice, then released).</summary>
    private static int ClosedTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
