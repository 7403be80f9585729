using System.Text;
using Hyperproxy.Transport.Streams;

namespace Hyperproxy.Transport.Tests;

public sealed class SipStreamFramerTests
{
    private const int MaxHeaders = 8 * 1024;
    private const int MaxMessage = 16 * 1024;

    private static readonly byte[] s_invite = Encoding.ASCII.GetBytes(
        "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\nMax-Forwards: 70\r\n"
        + "To: <sip:bob@example.com>\r\nFrom: <sip:alice@example.com>;tag=1928301774\r\nCall-ID: a84b4c76e66710\r\nCSeq: 314159 INVITE\r\n"
        + "Content-Type: application/sdp\r\nContent-Length: 12\r\n\r\nv=0\r\no=- 1\r\n");

    [Fact]
    public void EveryPrefixOfAMessageNeedsMoreAndTheWholeMessageIsOneFrame()
    {
        for (int cut = 0; cut < s_invite.Length; cut++)
        {
            FrameResult r = SipStreamFramer.Frame(s_invite.AsSpan(0, cut), MaxHeaders, MaxMessage, out _);
            Assert.True(r == FrameResult.NeedMore, $"prefix of {cut} bytes gave {r}");
        }

        Assert.Equal(FrameResult.Message, SipStreamFramer.Frame(s_invite, MaxHeaders, MaxMessage, out int length));
        Assert.Equal(s_invite.Length, length);
    }

    [Fact]
    public void TwoMessagesInOneSegmentAreCutOneAtATime()
    {
        byte[] two = [.. s_invite, .. s_invite];
        Assert.Equal(FrameResult.Message, SipStreamFramer.Frame(two, MaxHeaders, MaxMessage, out int first));
        Assert.Equal(s_invite.Length, first);
        Assert.Equal(FrameResult.Message, SipStreamFramer.Frame(two.AsSpan(first), MaxHeaders, MaxMessage, out int second));
        Assert.Equal(s_invite.Length, second);
    }

    [Fact]
    public void EverySplitOfTwoMergedMessagesYieldsBothMessagesWhole()
    {
        byte[] stream = [.. s_invite, .. "\r\n\r\n"u8, .. s_invite];
        for (int split = 1; split < stream.Length; split++)
        {
            var pending = new List<byte>();
            var messages = new List<int>();
            int pings = 0;
            foreach (byte[] segment in (byte[][])[stream[..split], stream[split..]])
            {
                pending.AddRange(segment);
                for (int guard = 0; guard < 10; guard++)
                {
                    byte[] data = [.. pending];
                    FrameResult r = SipStreamFramer.Frame(data, MaxHeaders, MaxMessage, out int length);
                    if (r == FrameResult.NeedMore)
                    {
                        break;
                    }

                    Assert.True(r is FrameResult.Message or FrameResult.Ping or FrameResult.Skip, $"split {split}: {r}");
                    if (r == FrameResult.Message)
                    {
                        messages.Add(length);
                    }
                    else if (r == FrameResult.Ping)
                    {
                        pings++;
                    }

                    pending.RemoveRange(0, length);
                }
            }

            Assert.Equal([s_invite.Length, s_invite.Length], messages);
            Assert.Equal(1, pings);
            Assert.Empty(pending);
        }
    }

    [Fact]
    public void ContentLengthLargerThanWhatFollowsWaitsForTheRest()
    {
        byte[] message = Encoding.ASCII.GetBytes("OPTIONS sip:a SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nContent-Length: 50\r\n\r\nshort");
        Assert.Equal(FrameResult.NeedMore, SipStreamFramer.Frame(message, MaxHeaders, MaxMessage, out _));
    }

    [Theory]
    [InlineData("OPTIONS sip:a SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: 0\r\n\r\n")]
    [InlineData("OPTIONS sip:a SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\ncontent-length :  0\r\n\r\n")]
    public void CompactAndOddlySpacedContentLengthFrame(string text)
    {
        byte[] message = Encoding.ASCII.GetBytes(text);
        Assert.Equal(FrameResult.Message, SipStreamFramer.Frame(message, MaxHeaders, MaxMessage, out int length));
        Assert.Equal(message.Length, length);
    }

    [Fact]
    public void MissingContentLengthIsReportedWithTheHeaderSection()
    {
        byte[] message = Encoding.ASCII.GetBytes("OPTIONS sip:a SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\r\n");
        Assert.Equal(FrameResult.MissingContentLength, SipStreamFramer.Frame(message, MaxHeaders, MaxMessage, out int length));
        Assert.Equal(message.Length, length);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("")]
    [InlineData("99999999999")]
    public void ContentLengthThatIsNoNumberIsBad(string value)
    {
        byte[] message = Encoding.ASCII.GetBytes($"OPTIONS sip:a SIP/2.0\r\nContent-Length: {value}\r\n\r\n");
        Assert.Equal(FrameResult.BadContentLength, SipStreamFramer.Frame(message, MaxHeaders, MaxMessage, out _));
    }

    [Fact]
    public void ABodyPastTheMessageLimitIsTooLarge()
    {
        byte[] message = Encoding.ASCII.GetBytes($"MESSAGE sip:a SIP/2.0\r\nContent-Length: {MaxMessage}\r\n\r\n");
        Assert.Equal(FrameResult.TooLarge, SipStreamFramer.Frame(message, MaxHeaders, MaxMessage, out _));
    }

    [Fact]
    public void AHeaderSectionWithoutEndPastTheLimitIsTooLarge()
    {
        byte[] garbage = new byte[MaxHeaders + 4];
        Random.Shared.NextBytes(garbage);
        garbage[0] = (byte)'G';
        garbage.AsSpan().Replace((byte)'\n', (byte)'x');
        Assert.Equal(FrameResult.TooLarge, SipStreamFramer.Frame(garbage, MaxHeaders, MaxMessage, out _));
        Assert.Equal(FrameResult.NeedMore, SipStreamFramer.Frame(garbage.AsSpan(0, MaxHeaders), MaxHeaders, MaxMessage, out _));
    }

    [Fact]
    public void CrlfCrlfIsAPingAndALoneCrlfWaits()
    {
        Assert.Equal(FrameResult.Ping, SipStreamFramer.Frame("\r\n\r\n"u8, MaxHeaders, MaxMessage, out int ping));
        Assert.Equal(4, ping);
        Assert.Equal(FrameResult.NeedMore, SipStreamFramer.Frame("\r\n"u8, MaxHeaders, MaxMessage, out _));
        Assert.Equal(FrameResult.Skip, SipStreamFramer.Frame("\r\nOPTIONS"u8, MaxHeaders, MaxMessage, out int skip));
        Assert.Equal(2, skip);
    }
}
