using System.Text;
using Hyperproxy.Sip.Edits;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sip.Tests;

public class ResponseWriterTests
{
    private const string Request =
        "INVITE sip:bob@biloxi.com SIP/2.0\n" +
        "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds;rport\n" +
        "v: SIP/2.0/UDP first.example.com;branch=z9hG4bK1, SIP/2.0/TCP second.example.com;branch=z9hG4bK2\n" +
        "Max-Forwards: 70\n" +
        "Record-Route: <sip:p1.example.com;lr>\n" +
        "To: Bob <sip:bob@biloxi.com>\n" +
        "From: Alice <sip:alice@atlanta.com>;tag=1928301774\n" +
        "Call-ID: a84b4c76e66710@pc33.atlanta.com\n" +
        "CSeq: 314159 INVITE\n" +
        "Contact: <sip:alice@pc33.atlanta.com>\n" +
        "Content-Length: 0\n\n";

    [Fact]
    public void StatelessReplyCopiesViasFromToCallIdCSeqAndAddsToTag()
    {
        SipMessage m = Corpus.Parse(Corpus.Crlf(Request));
        var dest = new byte[2048];
        int n = SipResponseWriter.Write(m, 404, "Not Found"u8, "abc123"u8, "Server: hyperproxy\r\n"u8, dest);
        string s = Encoding.UTF8.GetString(dest, 0, n);
        Assert.Equal(
            "SIP/2.0 404 Not Found\r\n" +
            "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds;rport\r\n" +
            "v: SIP/2.0/UDP first.example.com;branch=z9hG4bK1, SIP/2.0/TCP second.example.com;branch=z9hG4bK2\r\n" +
            "To: Bob <sip:bob@biloxi.com>;tag=abc123\r\n" +
            "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n" +
            "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n" +
            "CSeq: 314159 INVITE\r\n" +
            "Server: hyperproxy\r\n" +
            "Content-Length: 0\r\n\r\n", s);
        var r = new SipMessage();
        Assert.Equal(SipError.None, r.Parse(dest, 0, n));
        Assert.Equal(404, r.StatusCode);
        Assert.Equal(3, CountVias(r));
    }

    [Fact]
    public void ReplyBetween180And299CopiesRecordRouteAndKeepsAnExistingToTag()
    {
        SipMessage m = Corpus.Parse(Corpus.Crlf(Request.Replace("To: Bob <sip:bob@biloxi.com>", "To: Bob <sip:bob@biloxi.com>;tag=old")));
        var dest = new byte[2048];
        int n = SipResponseWriter.Write(m, 200, "OK"u8, "new"u8, default, dest);
        string s = Encoding.UTF8.GetString(dest, 0, n);
        Assert.Contains("Record-Route: <sip:p1.example.com;lr>\r\nTo: Bob <sip:bob@biloxi.com>;tag=old\r\n", s);
        Assert.DoesNotContain("tag=new", s);
    }

    [Fact]
    public void ReplyFromEditedRequestCarriesReceivedAndRportInTheTopVia()
    {
        SipMessage m = Corpus.Parse(Corpus.Crlf(Request));
        var edits = new SipEdits();
        edits.Reset(m);
        Assert.Equal(SipError.None, m.GetTopVia(out ViaHeader via));
        Assert.Equal(SipError.None, edits.Insert(via.SentByEnd, ";received=203.0.113.9"u8));
        Assert.Equal(SipError.None, edits.Replace(via.RportParam, ";rport=41000"u8));
        Assert.Equal(SipError.None, edits.AddHeaderBefore(0, "Via: SIP/2.0/UDP me;branch=z9hG4bKme"u8));
        var dest = new byte[2048];
        int n = SipResponseWriter.Write(m, edits, 100, "Trying"u8, default, default, dest);
        string s = Encoding.UTF8.GetString(dest, 0, n);
        Assert.StartsWith("SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP pc33.atlanta.com;received=203.0.113.9;branch=z9hG4bK776asdhds;rport=41000\r\nv: ", s);
        Assert.DoesNotContain("branch=z9hG4bKme", s);
        Assert.Contains("To: Bob <sip:bob@biloxi.com>\r\n", s);
    }

    [Fact]
    public void ReplyWriterReturnsMinusOneWhenTooSmall()
    {
        SipMessage m = Corpus.Parse(Corpus.Crlf(Request));
        int n = SipResponseWriter.Write(m, 400, "Bad CSeq"u8, default, default, new byte[2048]);
        for (int size = 0; size < n; size++)
        {
            Assert.Equal(-1, SipResponseWriter.Write(m, 400, "Bad CSeq"u8, default, default, new byte[size]));
        }
    }

    [Fact]
    public void ParseErrorsMapToReplyStatusAndReason()
    {
        Assert.Equal(400, SipErrors.StatusCode(SipError.BadCSeq));
        Assert.Equal("Bad CSeq", Encoding.ASCII.GetString(SipErrors.ReasonPhrase(SipError.BadCSeq)));
        Assert.Equal("Missing Call-ID", Encoding.ASCII.GetString(SipErrors.ReasonPhrase(SipError.MissingCallId)));
        Assert.Equal("Content-Length exceeds datagram", Encoding.ASCII.GetString(SipErrors.ReasonPhrase(SipError.ContentLengthExceedsDatagram)));
        Assert.Equal("Header without colon", Encoding.ASCII.GetString(SipErrors.ReasonPhrase(SipError.HeaderWithoutColon)));
        Assert.Equal(505, SipErrors.StatusCode(SipError.VersionNotSupported));
        foreach (SipError e in Enum.GetValues<SipError>())
        {
            Assert.False(SipErrors.ReasonPhrase(e).IsEmpty);
            Assert.InRange(SipErrors.StatusCode(e), 200, 599);
        }
    }

    private static int CountVias(SipMessage m)
    {
        int n = 0;
        foreach (HeaderValue _ in m.Values(HeaderId.Via))
        {
            n++;
        }

        return n;
    }
}
