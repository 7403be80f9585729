using System.Diagnostics;
using System.Text;
using Hyperproxy.Hosting;
using Hyperproxy.Proxy;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Hosting;

public sealed class ProxyServerTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    private static ServerOptions Options(params string[] listen) => new()
    {
        Listen = listen.Select(l => ServerOptions.ParseListen(l, null)).ToArray(),
        Workers = 1,
    };

    [Fact]
    public void WorkerAnswersHundredThousandOptionsWithoutAllocating()
    {
        using ProxyServer server = ProxyServer.Start(Options("udp:127.0.0.1:0"));
        NetAddress target = server.LocalAddresses[0];
        byte[] options = Encoding.ASCII.GetBytes(
            $"OPTIONS sip:{target} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-load;rport\r\nMax-Forwards: 70\r\n"
            + $"From: <sip:load@127.0.0.1>;tag=l1\r\nTo: <sip:{target}>\r\nCall-ID: load-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");

        Assert.Equal(20_000, Drive(target, options, 20_000)); // warm-up: JIT tiers, first calls
        Assert.True(SpinWait.SpinUntil(() => server.ReadTransportCounters().Sent == 20_000, s_bound));
        long before = server.Workers[0].AllocatedBytes;

        Assert.Equal(100_000, Drive(target, options, 100_000));
        Assert.True(SpinWait.SpinUntil(() => server.ReadTransportCounters().Sent == 120_000, s_bound));
        long after = server.Workers[0].AllocatedBytes;

        Assert.Equal(0, after - before);
        ProxyCounters c = server.ReadCounters();
        Assert.Equal(120_000, c.RequestsReceived);
        Assert.Equal(120_000, c.LocalReplies);
    }

    [Fact]
    public void ServesIPv4AndIPv6SocketsAtOnce()
    {
        using ProxyServer server = ProxyServer.Start(Options("udp:127.0.0.1:0", "udp:[::1]:0"));
        foreach (NetAddress target in server.LocalAddresses)
        {
            byte[] options = Encoding.ASCII.GetBytes(
                $"OPTIONS sip:{target} SIP/2.0\r\nVia: SIP/2.0/UDP {(target.IsIPv6 ? "[::1]" : "127.0.0.1")}:9;branch=z9hG4bK-v;rport\r\n"
                + $"From: <sip:v@example.com>;tag=v1\r\nTo: <sip:{target}>\r\nCall-ID: v-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
            Assert.Equal(10, Drive(target, options, 10));
        }
    }

    [Fact]
    public void DescribeNamesSocketsAdvertisedAddressesAndWorkers()
    {
        using ProxyServer server = ProxyServer.Start(new ServerOptions
        {
            Listen = [ServerOptions.ParseListen("udp:127.0.0.1:0 as sip.example.com:5062", null)],
            Workers = 2,
        });
        string text = server.Describe();
        Assert.Contains($"udp:{server.LocalAddresses[0]} as sip.example.com:5062", text, StringComparison.Ordinal);
        Assert.Contains("2 worker(s)", text, StringComparison.Ordinal);
        Assert.Equal("Via: SIP/2.0/UDP sip.example.com:5062;branch=", Encoding.ASCII.GetString(server.Identity.ViaPrefix(0)));
        Assert.True(server.Identity.IsMe("sip.example.com"u8, 5062));
    }

    /// <summary>Sends <paramref name="total"/> requests with at most 256 unanswered; returns the replies counted.</summary>
    private static long Drive(NetAddress target, byte[] request, long total)
    {
        using var io = BatchIo.Create(BatchIoKind.Auto, [UdpSockets.Open(target.IsIPv6 ? NetAddress.IPv6Loopback(0) : NetAddress.IPv4Loopback(0), reusePort: false)], 64);
        var outgoing = new DatagramBatch(64, 2048);
        var incoming = new DatagramBatch(64, 2048);
        long sent = 0;
        long replies = 0;
        var clock = Stopwatch.StartNew();
        while (replies < total && clock.Elapsed < s_bound)
        {
            outgoing.Clear();
            while (sent < total && sent - replies < 256 && !outgoing.IsFull)
            {
                outgoing.TryAdd(request, target, 0);
                sent++;
            }

            if (outgoing.Count > 0)
            {
                io.Send(outgoing);
            }

            int n = io.Receive(incoming, 10);
            for (int i = 0; i < n; i++)
            {
                if (incoming.Payload(i).StartsWith("SIP/2.0 200 "u8))
                {
                    replies++;
                }
            }
        }

        return replies;
    }
}
