using System.Net;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests;

/// <summary>
/// Bad datagrams over the wire: malformed requests get 400 with a reason that names the problem;
/// garbage, oversized and unanswerable datagrams get nothing; after each the server still answers.
/// </summary>
public sealed class MalformedInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan s_quiet = TimeSpan.FromMilliseconds(300);

    private IPEndPoint ProxyV4 => new(IPAddress.Loopback, fixture.Port);

    [Theory]
    [InlineData("CSeq: abc OPTIONS", "Bad CSeq")]
    [InlineData("CSeq: 1 INVITE", "CSeq method does not match")]
    [InlineData("CSeq: 99999999999 OPTIONS", "Bad CSeq")]
    public async Task RequestWithABadCSeqGets400NamingTheProblem(string cseqLine, string reason)
    {
        using var ua = UdpPeer.V4();
        string request = SipText.Options($"sip:127.0.0.1:{fixture.Port}", ua).Replace("CSeq: 1 OPTIONS", cseqLine, StringComparison.Ordinal);

        ua.Send(request, ProxyV4);
        string reply = await ua.ExpectAsync("the 400");

        Assert.Equal(400, SipText.StatusCode(reply));
        Assert.Equal(reason, SipText.ReasonPhrase(reply));
        Assert.Equal(SipText.Header(request, "Call-ID"), SipText.Header(reply, "Call-ID"));
        await AssertStillAnswersAsync(ua);
    }

    [Theory]
    [InlineData("Call-ID", "Missing Call-ID")]
    [InlineData("From", "Missing From")]
    [InlineData("To", "Missing To")]
    [InlineData("CSeq", "Missing CSeq")]
    public async Task RequestWithoutAMandatoryHeaderGets400NamingIt(string header, string reason)
    {
        using var ua = UdpPeer.V4();
        string request = SipText.Options($"sip:127.0.0.1:{fixture.Port}", ua);
        int at = request.IndexOf("\r\n" + header + ":", StringComparison.Ordinal);
        int end = request.IndexOf("\r\n", at + 2, StringComparison.Ordinal);
        request = request.Remove(at, end - at);

        ua.Send(request, ProxyV4);
        string reply = await ua.ExpectAsync("the 400");

        Assert.Equal(400, SipText.StatusCode(reply));
        Assert.Equal(reason, SipText.ReasonPhrase(reply));
        await AssertStillAnswersAsync(ua);
    }

    [Fact]
    public async Task RequestWithABadMaxForwardsGets400()
    {
        using var ua = UdpPeer.V4();
        string request = SipText.Options("sip:bob@127.0.0.2:5099", ua).Replace("Max-Forwards: 70", "Max-Forwards: lots", StringComparison.Ordinal);

        ua.Send(request, ProxyV4);
        string reply = await ua.ExpectAsync("the 400");

        Assert.Equal(400, SipText.StatusCode(reply));
        Assert.Equal("Bad Max-Forwards", SipText.ReasonPhrase(reply));
        await AssertStillAnswersAsync(ua);
    }

    [Fact]
    public async Task RequestWithoutViaIsNotAnsweredAndTheServerGoesOn()
    {
        using var ua = UdpPeer.V4();
        string request = SipText.Options($"sip:127.0.0.1:{fixture.Port}", ua);
        int at = request.IndexOf("Via:", StringComparison.Ordinal);
        request = request.Remove(at, request.IndexOf("\r\n", at, StringComparison.Ordinal) + 2 - at);

        ua.Send(request, ProxyV4);

        await ua.ExpectSilenceAsync(s_quiet, "a request without Via has nowhere to be answered");
        await AssertStillAnswersAsync(ua);
    }

    [Theory]
    [InlineData("garbage that is not SIP at all\r\n\r\n")]
    [InlineData("\0\0\0\0\u0001\u0002\u0003")]
    [InlineData("\r\n\r\n")]
    [InlineData("SIP/2.0")]
    public async Task GarbageGetsNoAnswerAndTheServerKeepsAnswering(string garbage)
    {
        using var ua = UdpPeer.V4();

        ua.Send(garbage, ProxyV4);

        await ua.ExpectSilenceAsync(s_quiet, "garbage is dropped");
        await AssertStillAnswersAsync(ua);
    }

    [Fact]
    public async Task RandomBytesGetNoAnswerAndTheServerKeepsAnswering()
    {
        using var ua = UdpPeer.V4();
        var random = new Random(3261);
        var datagram = new byte[1400];
        for (int i = 0; i < 50; i++)
        {
            random.NextBytes(datagram.AsSpan(0, 1 + random.Next(datagram.Length)));
            ua.Send(datagram.AsSpan(0, 1 + random.Next(datagram.Length)), ProxyV4);
        }

        await ua.ExpectSilenceAsync(s_quiet, "random bytes are dropped");
        await AssertStillAnswersAsync(ua);
    }

    [Fact]
    public async Task MaximumSizeDatagramDoesNotStopTheServer()
    {
        using var ua = UdpPeer.V4();
        var datagram = new byte[65507];
        datagram.AsSpan().Fill((byte)'A');

        ua.Send(datagram, ProxyV4);

        await ua.ExpectSilenceAsync(s_quiet, "64 KiB of 'A' is not SIP");
        Assert.False(fixture.Server.HasExited, fixture.Server.ToString());
        await AssertStillAnswersAsync(ua);
    }

    [Fact]
    public async Task MaximumSizeRequestIsHandledAndTheServerGoesOn()
    {
        using var ua = UdpPeer.V4();
        string head = SipText.Options($"sip:127.0.0.1:{fixture.Port}", ua);
        head = head[..head.IndexOf("Content-Length:", StringComparison.Ordinal)];
        string body = new('x', 65507 - head.Length - "Content-Length: 65000\r\n\r\n".Length);
        string request = head + $"Content-Length: {body.Length}\r\n\r\n" + body;
        Assert.Equal(65507, request.Length);

        ua.Send(request, ProxyV4);
        (string Text, IPEndPoint From)? reply = await ua.ReceiveAsync(TimeSpan.FromSeconds(1));

        // The transport drops datagrams longer than its slot (counted as truncated); a larger slot
        // would answer 200 (or 513). Either way the server lives.
        if (reply is not null)
        {
            Assert.Contains(SipText.StatusCode(reply.Value.Text), new[] { 200, 400, 513 });
        }

        Assert.False(fixture.Server.HasExited, fixture.Server.ToString());
        await AssertStillAnswersAsync(ua);
    }

    [Fact]
    public async Task RequestShorterThanItsContentLengthGets400()
    {
        using var ua = UdpPeer.V4();
        string request = SipText.Request("MESSAGE", $"sip:someone@127.0.0.1:{fixture.Port}", ua, SipText.NewBranch(), SipText.NewCallId(), body: "hello world");
        request = request[..^5]; // Content-Length now promises more than the datagram holds

        ua.Send(request, ProxyV4);
        string reply = await ua.ExpectAsync("the 400");

        Assert.Equal(400, SipText.StatusCode(reply));
        Assert.Equal("Content-Length exceeds datagram", SipText.ReasonPhrase(reply));
        await AssertStillAnswersAsync(ua);
    }

    /// <summary>A following OPTIONS to the proxy gets its 200 (over IPv4 and IPv6).</summary>
    private async Task AssertStillAnswersAsync(UdpPeer ua)
    {
        string callId = SipText.NewCallId();
        ua.Send(SipText.Options($"sip:127.0.0.1:{fixture.Port}", ua, callId), ProxyV4);
        string reply = await ua.ExpectAsync("the 200 to the OPTIONS after the bad input");
        while (SipText.Header(reply, "Call-ID") != callId)
        {
            reply = await ua.ExpectAsync("the 200 to the OPTIONS after the bad input"); // a late answer to the bad input
        }

        Assert.Equal(200, SipText.StatusCode(reply));

        using var v6 = UdpPeer.V6();
        v6.Send(SipText.Options($"sip:[::1]:{fixture.Port}", v6), new IPEndPoint(IPAddress.IPv6Loopback, fixture.Port));
        Assert.Equal(200, SipText.StatusCode(await v6.ExpectAsync("the 200 over IPv6")));
    }
}
