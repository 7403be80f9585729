using System.Text;

namespace Hyperproxy.Tests.Proxy;

public sealed class StatelessProxyMalformedTests : IDisposable
{
    private readonly ProxyHarness _proxy = new();

    public void Dispose() => _proxy.Dispose();

    [Theory]
    [InlineData("CSeq: 1 OPTIONS", "CSeq: x OPTIONS")]
    [InlineData("CSeq: 1 OPTIONS", "CSeq: 1 INVITE")]
    [InlineData("Content-Length: 0", "Content-Length: 900")]
    [InlineData("Content-Length: 0", "Content-Length: -1")]
    [InlineData("Call-ID: call-1@example.com\n", "")]
    [InlineData("To: <sip:127.0.0.1:5060>\n", "")]
    [InlineData("From: <sip:alice@example.com>;tag=a1", "From: <sip:alice@example.com;tag=a1")]
    public void MalformedRequestIsAnswered400WithAReasonThatSaysWhat(string good, string bad)
    {
        string request = StatelessProxyRequestTests.Options().Replace(good, bad, StringComparison.Ordinal);
        ProxyHarness.Sent reply = Assert.Single(_proxy.Send(request));
        Assert.StartsWith("SIP/2.0 400 ", reply.StartLine, StringComparison.Ordinal);
        Assert.NotEqual("SIP/2.0 400 Bad Request", reply.StartLine); // says what was wrong
        Assert.Equal(ProxyHarness.Uac, reply.Destination);
        Assert.Equal(1, _proxy.Counters.BadRequests);
    }

    [Fact]
    public void MalformedAckIsNotAnswered()
    {
        string ack = StatelessProxyRequestTests.Invite(method: "ACK").Replace("CSeq: 7 ACK", "CSeq: 7 INVITE", StringComparison.Ordinal);
        Assert.Empty(_proxy.Send(ack));
        Assert.Equal(1, _proxy.Counters.BadRequests);
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData("\0\0\0\0")]
    [InlineData("\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n")]
    public void GarbageIsDroppedAndCounted(string datagram)
    {
        Assert.Empty(_proxy.SendBytes(Encoding.ASCII.GetBytes(datagram)));
        Assert.Equal(1, _proxy.Counters.Garbage + _proxy.Counters.BadRequests);
    }

    [Fact]
    public void EveryTruncationOfARequestIsHandledWithoutAnException()
    {
        byte[] full = Encoding.ASCII.GetBytes(StatelessProxyRequestTests.Invite(extra: "Route: <sip:127.0.0.1;lr>, <sip:127.0.0.4:5080;lr>\n").ReplaceLineEndings("\r\n"));
        for (int length = 0; length <= full.Length; length++)
        {
            ProxyHarness.Sent[] sent = _proxy.SendBytes(full[..length]);
            Assert.True(sent.Length <= 1);
        }

        Assert.Equal(1, _proxy.Counters.RequestsForwarded); // only the whole message is forwarded
    }

    [Fact]
    public void RandomlyCorruptedRequestsNeverThrow()
    {
        var random = new Random(3261);
        byte[] template = Encoding.ASCII.GetBytes(StatelessProxyRequestTests.Invite().ReplaceLineEndings("\r\n"));
        for (int round = 0; round < 20_000; round++)
        {
            byte[] copy = (byte[])template.Clone();
            int changes = 1 + random.Next(8);
            for (int i = 0; i < changes; i++)
            {
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
            }

            Assert.True(_proxy.SendBytes(copy).Length <= 1);
        }
    }
}
