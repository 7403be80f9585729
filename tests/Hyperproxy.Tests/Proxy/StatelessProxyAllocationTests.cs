using System.Text;
using Hyperproxy.Sip;
using Hyperproxy.Testing;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Proxy;

public sealed class StatelessProxyAllocationTests : IDisposable
{
    private readonly ProxyHarness _proxy = new();

    public void Dispose() => _proxy.Dispose();

    private long AllocatedOver(string message, NetAddress from, int count)
    {
        byte[] datagram = GC.AllocateArray<byte>(4096, pinned: true);
        int length = Encoding.ASCII.GetBytes(message.ReplaceLineEndings("\r\n"), datagram);
        for (int i = 0; i < 1000; i++)
        {
            _proxy.ProcessRaw(datagram, length, from); // warm-up: JIT tiers, caches
        }

        long allocated = Allocations.Least(() =>
        {
            for (int i = 0; i < count; i++)
            {
                _proxy.ProcessRaw(datagram, length, from);
            }
        });
        Assert.Equal(1, _proxy.Outgoing.Count); // each message produced its datagram
        return allocated;
    }

    [Fact]
    public void AnsweringOptionsAllocatesNothing()
    {
        Assert.Equal(0, AllocatedOver(StatelessProxyRequestTests.Options(), ProxyHarness.Uac, 100_000));
    }

    [Fact]
    public void ForwardingAnInviteAllocatesNothing()
    {
        Assert.Equal(0, AllocatedOver(StatelessProxyRequestTests.Invite(extra: "Route: <sip:127.0.0.1;lr>, <sip:127.0.0.4:5080;lr>\n"),
            ProxyHarness.Uac, 100_000));
    }

    [Fact]
    public void RelayingAResponseAllocatesNothing()
    {
        string response = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKhp1\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-x;rport=40000;received=127.0.0.9\r\n"
            + "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: m@x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        Assert.Equal(0, AllocatedOver(response, NetAddress.FromIPv4(127, 0, 0, 2, 5070), 100_000));
    }

    [Fact]
    public void AnsweringMalformedRequestsAllocatesNothing()
    {
        Assert.Equal(0, AllocatedOver(StatelessProxyRequestTests.Options().Replace("CSeq: 1", "CSeq: x", StringComparison.Ordinal),
            ProxyHarness.Uac, 100_000));
    }
}
