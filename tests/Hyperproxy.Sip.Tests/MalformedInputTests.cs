using System.Text;

namespace Hyperproxy.Sip.Tests;

public class MalformedInputTests
{
    private const string Good =
        "INVITE sip:bob@biloxi.com SIP/2.0\n" +
        "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\n" +
        "Max-Forwards: 70\n" +
        "To: Bob <sip:bob@biloxi.com>\n" +
        "From: Alice <sip:alice@atlanta.com>;tag=1928301774\n" +
        "Call-ID: a84b4c76e66710@pc33.atlanta.com\n" +
        "CSeq: 314159 INVITE\n" +
        "Content-Length: 4\n" +
        "\n" +
        "body";

    private static SipError Parse(string text, out SipMessage m)
    {
        byte[] b = Corpus.Crlf(text);
        m = new SipMessage();
        return m.Parse(b, 0, b.Length);
    }

    public static IEnumerable<object[]> CorpusFiles()
    {
        foreach (string f in new[] { "invite-sdp.sip", "register-path.sip", "ok-invite-rr.sip", "rfc3261-invite.sip", "rfc4475/wsinv.sip" })
        {
            yield return [f];
        }
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void TruncationAtEveryOffsetGivesACleanError(string file)
    {
        byte[] full = Corpus.Load(file);
        var m = new SipMessage();
        Assert.Equal(SipError.None, m.Parse(full, 0, full.Length));
        int complete = m.Body.Start + Math.Max(m.ContentLength, 0);
        for (int n = 0; n < full.Length; n++)
        {
            SipError e = m.Parse(full, 0, n);
            if (n < m.Body.Start)
            {
                Assert.NotEqual(SipError.None, e);
                Assert.InRange(m.ErrorOffset, 0, n);
            }
            else if (m.ContentLength >= 0 && n < complete)
            {
                Assert.Equal(SipError.ContentLengthExceedsDatagram, e);
            }
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("OPTIONS sip:x SIP/2.0")]
    public void AMessageWithoutALineEndKeepsNoRangeOfTheMessageParsedBefore(string next)
    {
        // Found by the stream fuzz target (fuzz/crashers/stream): a worker's SipMessage is reused, and a short message
        // after a long one kept the long one's start line, a range past the end of the new bytes.
        Assert.Equal(SipError.None, Parse(Good, out SipMessage m));
        byte[] b = Encoding.ASCII.GetBytes(next);

        Assert.NotEqual(SipError.None, m.Parse(b, 0, b.Length));

        Assert.False(m.StartLine.IsPresent);
        Assert.True(m.Span(m.StartLine).IsEmpty);
        Assert.False(m.RequestUri.IsPresent);
        Assert.Equal(0, m.HeaderCount);
    }

    [Fact]
    public void ParsingInsideALargerBufferUsesOnlyTheGivenWindow()
    {
        byte[] msg = Corpus.Crlf(Good);
        var buffer = new byte[msg.Length + 200];
        buffer.AsSpan().Fill((byte)'Z');
        msg.CopyTo(buffer, 100);
        var m = new SipMessage();
        Assert.Equal(SipError.None, m.Parse(buffer, 100, msg.Length));
        Assert.Equal("body", m.Text(m.Body));
        Assert.Equal(SipError.BufferOutOfRange, m.Parse(buffer, 100, buffer.Length));
        Assert.Equal(SipError.BufferOutOfRange, m.Parse(buffer, -1, 10));
    }

    [Theory]
    [InlineData("", SipError.EmptyMessage)]
    [InlineData("\n\n", SipError.EmptyMessage)]
    [InlineData("INVITE\n\n", SipError.BadRequestLine)]
    [InlineData("INVITE sip:a@b\n\n", SipError.BadRequestLine)]
    [InlineData("INV ITE sip:a@b SIP/2.0\n\n", SipError.BadRequestLine)]
    [InlineData("INV(ITE sip:a@b SIP/2.0\n\n", SipError.BadMethod)]
    [InlineData("INVITE sip:a@b SIP/2.0x\n\n", SipError.BadVersion)]
    [InlineData("INVITE sip:a@b HTTP/1.1\n\n", SipError.BadVersion)]
    [InlineData("INVITE sip:a@b SIP/3.0\n\n", SipError.VersionNotSupported)]
    [InlineData("INVITE 1sip:a@b SIP/2.0\n\n", SipError.BadRequestUri)]
    [InlineData("INVITE :a@b SIP/2.0\n\n", SipError.BadRequestUri)]
    [InlineData("SIP/2.0\n\n", SipError.BadStatusLine)]
    [InlineData("SIP/2.0 20 OK\n\n", SipError.BadStatusCode)]
    [InlineData("SIP/2.0 099 OK\n\n", SipError.BadStatusCode)]
    [InlineData("SIP/2.0 2000 OK\n\n", SipError.BadStatusCode)]
    [InlineData("SIP/2.0 abc OK\n\n", SipError.BadStatusCode)]
    [InlineData("SIP/1.0 200 OK\n\n", SipError.VersionNotSupported)]
    [InlineData("SIP/2.0 200 OK", SipError.Truncated)]
    [InlineData("SIP/2.0 200 OK\nVia: x", SipError.MissingEmptyLine)]
    public void BadStartLinesAreRejected(string text, SipError expected)
    {
        Assert.Equal(expected, Parse(text, out _));
    }

    [Theory]
    [InlineData("CSeq: 314159 INVITE", "CSeq: INVITE", SipError.BadCSeq)]
    [InlineData("CSeq: 314159 INVITE", "CSeq: 314159", SipError.BadCSeq)]
    [InlineData("CSeq: 314159 INVITE", "CSeq: 314159INVITE", SipError.BadCSeq)]
    [InlineData("CSeq: 314159 INVITE", "CSeq: -1 INVITE", SipError.BadCSeq)]
    [InlineData("CSeq: 314159 INVITE", "CSeq: 2147483648 INVITE", SipError.BadCSeq)]
    [InlineData("CSeq: 314159 INVITE", "CSeq: 1 INV@ITE", SipError.BadCSeq)]
    [InlineData("CSeq: 314159 INVITE", "CSeq: 1 invite", SipError.CSeqMethodMismatch)]
    [InlineData("Content-Length: 4", "Content-Length: x", SipError.BadContentLength)]
    [InlineData("Content-Length: 4", "Content-Length: ", SipError.BadContentLength)]
    [InlineData("Content-Length: 4", "Content-Length: 99999999999", SipError.BadContentLength)]
    [InlineData("Content-Length: 4", "Content-Length: 5", SipError.ContentLengthExceedsDatagram)]
    [InlineData("Max-Forwards: 70", "Max-Forwards: 256", SipError.BadMaxForwards)]
    [InlineData("Max-Forwards: 70", "Max-Forwards: seventy", SipError.BadMaxForwards)]
    [InlineData("Call-ID: a84b4c76e66710@pc33.atlanta.com", "Call-ID: a b", SipError.BadCallId)]
    [InlineData("Call-ID: a84b4c76e66710@pc33.atlanta.com", "Call-ID:", SipError.BadCallId)]
    [InlineData("Max-Forwards: 70", "Max-Forwards 70", SipError.HeaderWithoutColon)]
    [InlineData("Max-Forwards: 70", "Max Forwards: 70", SipError.BadHeaderName)]
    [InlineData("Max-Forwards: 70", ": 70", SipError.BadHeaderName)]
    [InlineData("Max-Forwards: 70", "Max-Forwards: 7\u00000", SipError.ControlCharacter)]
    [InlineData("Max-Forwards: 70", "X-Bell: \u0007", SipError.ControlCharacter)]
    [InlineData("Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds", "X: y", SipError.MissingVia)]
    [InlineData("To: Bob <sip:bob@biloxi.com>", "X: y", SipError.MissingTo)]
    [InlineData("Call-ID: a84b4c76e66710@pc33.atlanta.com", "X: y", SipError.MissingCallId)]
    [InlineData("CSeq: 314159 INVITE", "X: y", SipError.MissingCSeq)]
    [InlineData("Max-Forwards: 70", "Max-Forwards: 70\nCall-ID: again", SipError.DuplicateHeader)]
    public void BadHeadersAreRejectedWithTheirReason(string from, string to, SipError expected)
    {
        Assert.Equal(expected, Parse(Good.Replace(from, to), out SipMessage m));
        Assert.Equal(expected, m.Error);
        Assert.InRange(m.ErrorOffset, 0, Corpus.Crlf(Good.Replace(from, to)).Length);
    }

    [Fact]
    public void HeaderWithoutColonReportsTheLine()
    {
        Assert.Equal(SipError.HeaderWithoutColon, Parse(Good.Replace("Max-Forwards: 70", "Max-Forwards 70"), out SipMessage m));
        Assert.Equal("Max-Forwards 70", m.Text(m.ErrorHeaderName));
        Assert.Equal(SipError.BadCSeq, Parse(Good.Replace("CSeq: 314159 INVITE", "CSeq: x"), out m));
        Assert.Equal("CSeq", m.Text(m.ErrorHeaderName));
    }

    [Fact]
    public void ContinuationBeforeFirstHeaderIsRejected()
    {
        Assert.Equal(SipError.FoldingBeforeFirstHeader, Parse("INVITE sip:a@b SIP/2.0\n folded: x\n\n", out _));
    }

    [Fact]
    public void NonUtf8BytesInHeadersAreRejectedButBinaryBodiesAreNot()
    {
        byte[] b = Corpus.Crlf(Good.Replace("Max-Forwards: 70", "X-Name: caf\u00e9"));
        int at = Array.IndexOf(b, (byte)0xC3);
        b[at] = 0xE9;
        b[at + 1] = (byte)'!';
        var m = new SipMessage();
        Assert.Equal(SipError.InvalidUtf8, m.Parse(b, 0, b.Length));
        byte[] ok = Corpus.Crlf(Good.Replace("\n\nbody", "\n\n\u0000\u00ff\u0001z"));
        ok[^3] = 0xFF;
        Assert.Equal(SipError.None, m.Parse(ok, 0, ok.Length));
        Assert.Equal(SipError.None, Parse(Good.Replace("Max-Forwards: 70", "Subject: café ☕"), out _));
    }

    [Fact]
    public void TooManyHeadersIsAnErrorNotAnException()
    {
        var sb = new StringBuilder(Good.Replace("\n\nbody", "\n"));
        for (int i = 0; i < 500; i++)
        {
            sb.Append("X-H").Append(i).Append(": v\n");
        }

        sb.Append("\nbody");
        Assert.Equal(SipError.TooManyHeaders, Parse(sb.ToString(), out SipMessage m));
        Assert.Equal(513, SipErrors.StatusCode(m.Error));
    }

    [Fact]
    public void HugeHeaderValuesParse()
    {
        string big = new string('a', 60000);
        Assert.Equal(SipError.None, Parse(Good.Replace("Max-Forwards: 70", "X-Big: " + big), out SipMessage m));
        Assert.Equal(60000, m.Header(m.FindHeader("X-Big"u8)).Value.Length);
        Assert.Equal(SipError.None, Parse(Good.Replace("Max-Forwards: 70", "X-" + new string('n', 5000) + ": v"), out _));
    }

    [Fact]
    public void BareLineFeedsAreAccepted()
    {
        byte[] b = Encoding.ASCII.GetBytes(Good);
        var m = new SipMessage();
        Assert.Equal(SipError.None, m.Parse(b, 0, b.Length));
        Assert.Equal("body", m.Text(m.Body));
        Assert.Equal("z9hG4bK776asdhds", m.Text(m.TopViaBranch));
    }
}
