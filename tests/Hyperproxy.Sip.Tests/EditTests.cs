using System.Text;
using Hyperproxy.Sip.Edits;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sip.Tests;

public class EditTests
{
    private const string Request =
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

    private static (SipMessage M, SipEdits E) Setup(string text = Request)
    {
        SipMessage m = Corpus.Parse(Corpus.Crlf(text));
        var e = new SipEdits(capacity: 16, arenaSize: 512);
        e.Reset(m);
        return (m, e);
    }

    private static string Write(SipMessage m, SipEdits e)
    {
        var dest = new byte[4096];
        int n = SipWriter.Write(m, e, dest);
        Assert.True(n >= 0);
        return Encoding.UTF8.GetString(dest, 0, n);
    }

    private static string Expect(string text) => text.Replace("\n", "\r\n");

    [Fact]
    public void WriterWithoutEditsCopiesTheMessage()
    {
        var (m, e) = Setup();
        Assert.Equal(Expect(Request), Write(m, e));
    }

    [Fact]
    public void InsertDeleteReplaceAndAddHeaderAllApply()
    {
        var (m, e) = Setup();
        Assert.Equal(SipError.None, e.AddHeaderBefore(0, "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1"u8));
        Assert.Equal(SipError.None, e.RemoveHeader(m.FindHeader(HeaderId.MaxForwards)));
        Assert.Equal(SipError.None, e.AddHeader("Max-Forwards: 69\r\n"u8));
        Assert.Equal(SipError.None, e.SetRequestUri("sip:bob@192.0.2.4:5060"u8));
        Assert.Equal(SipError.None, m.GetTopVia(out ViaHeader via));
        Assert.Equal(SipError.None, e.Insert(via.SentByEnd, ";received=192.0.2.1"u8));
        string s = Write(m, e);
        Assert.Equal(Expect(
            "INVITE sip:bob@192.0.2.4:5060 SIP/2.0\n" +
            "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1\n" +
            "Via: SIP/2.0/UDP pc33.atlanta.com;received=192.0.2.1;branch=z9hG4bK776asdhds\n" +
            "To: Bob <sip:bob@biloxi.com>\n" +
            "From: Alice <sip:alice@atlanta.com>;tag=1928301774\n" +
            "Call-ID: a84b4c76e66710@pc33.atlanta.com\n" +
            "CSeq: 314159 INVITE\n" +
            "Content-Length: 4\n" +
            "Max-Forwards: 69\n" +
            "\n" +
            "body"), s);
        var again = new SipMessage();
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        Assert.Equal(SipError.None, again.Parse(bytes, 0, bytes.Length));
        Assert.Equal("z9hG4bKp1", again.Text(again.TopViaBranch));
    }

    [Fact]
    public void EditsAtOnePositionKeepRecordingOrder()
    {
        var (m, e) = Setup();
        int p = m.FindHeader(HeaderId.To);
        Assert.Equal(SipError.None, e.AddHeaderBefore(p, "X-A: 1"u8));
        Assert.Equal(SipError.None, e.AddHeaderBefore(p, "X-B: 2"u8));
        Assert.Equal(SipError.None, e.Replace(m.Header(p).Line, "To: <sip:carol@chicago.com>\r\n"u8));
        Assert.Equal(SipError.None, e.AddHeaderBefore(p, "X-C: 3"u8));
        string s = Write(m, e);
        Assert.Contains("X-A: 1\r\nX-B: 2\r\nTo: <sip:carol@chicago.com>\r\nX-C: 3\r\nFrom:", s);
    }

    [Fact]
    public void EditsRecordedOutOfOrderAreAppliedByPosition()
    {
        var (m, e) = Setup();
        Assert.Equal(SipError.None, e.AddHeader("X-Last: 1"u8));
        Assert.Equal(SipError.None, e.InsertAfter(m.RequestUri, ";lr"u8));
        Assert.Equal(SipError.None, e.Delete(m.Header(m.FindHeader(HeaderId.CallId)).Line));
        string s = Write(m, e);
        Assert.StartsWith("INVITE sip:bob@biloxi.com;lr SIP/2.0\r\n", s);
        Assert.DoesNotContain("Call-ID", s);
        Assert.Contains("Content-Length: 4\r\nX-Last: 1\r\n\r\nbody", s);
    }

    [Fact]
    public void AReplacementWrittenInPlaceAppliesAndARefusedOneHandsOutNothing()
    {
        var (m, e) = Setup();
        TextRange value = m.Header(m.FindHeader(HeaderId.MaxForwards)).Value;
        Assert.Equal(SipError.None, e.Replace(value, 3, out Span<byte> digits));
        Assert.Equal(3, digits.Length);
        " 69"u8.CopyTo(digits);
        Assert.Equal(SipError.EditsOverlap, e.Replace(value, 2, out Span<byte> refused));
        Assert.True(refused.IsEmpty);
        Assert.Contains("Max-Forwards:  69\r\n", Write(m, e));
    }

    [Fact]
    public void OverlappingDeletesAreRejected()
    {
        var (m, e) = Setup();
        TextRange line = m.Header(1).Line;
        Assert.Equal(SipError.None, e.Delete(line));
        Assert.Equal(SipError.EditsOverlap, e.Delete(new TextRange(line.Start + 2, 3)));
        Assert.Equal(SipError.EditsOverlap, e.Replace(new TextRange(line.Start - 1, 2), "x"u8));
        Assert.Equal(SipError.EditsOverlap, e.Insert(line.Start + 1, "x"u8));
        Assert.Equal(SipError.None, e.Insert(line.End, "X-After: 1\r\n"u8));
        Assert.Equal(SipError.None, e.Insert(line.Start, "X-Before: 1\r\n"u8));
        Assert.Equal(SipError.EditOutOfRange, e.Delete(new TextRange(m.MessageLength - 1, 5)));
        Assert.Equal(3, e.Count);
    }

    [Fact]
    public void CapacityAndArenaLimitsAreErrors()
    {
        SipMessage m = Corpus.Parse(Corpus.Crlf(Request));
        var e = new SipEdits(capacity: 2, arenaSize: 8);
        e.Reset(m);
        Assert.Equal(SipError.EditArenaFull, e.Insert(0, "123456789"u8));
        Assert.Equal(SipError.None, e.Insert(0, "1234"u8));
        Assert.Equal(SipError.None, e.Insert(0, "5678"u8));
        Assert.Equal(SipError.EditsFull, e.Insert(0, ""u8));
        e.Reset();
        Assert.Equal(0, e.Count);
        Assert.Equal(SipError.None, e.Insert(0, "12345678"u8));
    }

    [Fact]
    public void BodyEditsRewriteContentLength()
    {
        var (m, e) = Setup();
        Assert.Equal(SipError.None, e.Replace(m.Body, "a longer body"u8));
        string s = Write(m, e);
        Assert.Contains("Content-Length: 13\r\n\r\na longer body", s);
        e.Reset();
        Assert.Equal(SipError.None, e.InsertAfter(m.Body, "++"u8));
        Assert.EndsWith("Content-Length: 6\r\n\r\nbody++", Write(m, e));
        e.Reset();
        Assert.Equal(SipError.None, e.Delete(m.Body));
        Assert.EndsWith("Content-Length: 0\r\n\r\n", Write(m, e));
    }

    [Fact]
    public void BodyEditWithoutContentLengthAddsTheHeader()
    {
        var (m, e) = Setup(Request.Replace("Content-Length: 4\n", ""));
        Assert.Equal(SipError.None, e.Replace(m.Body, "xy"u8));
        Assert.Equal(SipError.None, e.AddHeader("X-Z: 1"u8));
        Assert.EndsWith("CSeq: 314159 INVITE\r\nX-Z: 1\r\nContent-Length: 2\r\n\r\nxy", Write(m, e));
    }

    [Fact]
    public void CallerEditOfContentLengthWins()
    {
        var (m, e) = Setup();
        Assert.Equal(SipError.None, e.Replace(m.Body, "12345"u8));
        Assert.Equal(SipError.None, e.Replace(m.Header(m.FindHeader(HeaderId.ContentLength)).Value, "5"u8));
        Assert.EndsWith("Content-Length: 5\r\n\r\n12345", Write(m, e));
    }

    [Fact]
    public void HeaderOnlyEditsLeaveContentLengthAlone()
    {
        var (m, e) = Setup();
        Assert.Equal(SipError.None, e.AddHeader("X-A: 1"u8));
        Assert.EndsWith("Content-Length: 4\r\nX-A: 1\r\n\r\nbody", Write(m, e));
    }

    [Fact]
    public void WriterReturnsMinusOneWhenDestinationIsTooSmall()
    {
        var (m, e) = Setup();
        Assert.Equal(SipError.None, e.AddHeader("X-A: 1"u8));
        var big = new byte[1024];
        int n = SipWriter.Write(m, e, big);
        for (int size = 0; size < n; size++)
        {
            Assert.Equal(-1, SipWriter.Write(m, e, new byte[size]));
        }

        Assert.Equal(n, SipWriter.Write(m, e, new byte[n]));
    }

    [Fact]
    public void EveryCombinationOfFourEditKindsProducesAParsableMessage()
    {
        var (m, e) = Setup();
        var dest = new byte[2048];
        var check = new SipMessage();
        for (int mask = 0; mask < 64; mask++)
        {
            e.Reset();
            if ((mask & 1) != 0) Assert.Equal(SipError.None, e.SetRequestUri("sip:x@10.0.0.1"u8));
            if ((mask & 2) != 0) Assert.Equal(SipError.None, e.AddHeaderBefore(0, "Via: SIP/2.0/UDP p;branch=z9hG4bKx"u8));
            if ((mask & 4) != 0) Assert.Equal(SipError.None, e.RemoveHeader(m.FindHeader(HeaderId.MaxForwards)));
            if ((mask & 8) != 0) Assert.Equal(SipError.None, e.AddHeader("Record-Route: <sip:p;lr>"u8));
            if ((mask & 16) != 0) Assert.Equal(SipError.None, e.Replace(m.Body, "v=0\r\n"u8));
            if ((mask & 32) != 0) Assert.Equal(SipError.None, e.InsertAfter(m.Header(m.FindHeader(HeaderId.To)).Value, ";tag=t1"u8));
            int n = SipWriter.Write(m, e, dest);
            Assert.True(n > 0);
            Assert.Equal(SipError.None, check.Parse(dest, 0, n));
            Assert.Equal((mask & 1) != 0 ? "sip:x@10.0.0.1" : "sip:bob@biloxi.com", check.Text(check.RequestUri));
            Assert.Equal((mask & 2) != 0 ? "z9hG4bKx" : "z9hG4bK776asdhds", check.Text(check.TopViaBranch));
            Assert.Equal((mask & 4) != 0 ? -1 : 70, check.MaxForwards);
            Assert.Equal((mask & 8) != 0, check.Has(HeaderId.RecordRoute));
            Assert.Equal((mask & 16) != 0 ? "v=0\r\n" : "body", check.Text(check.Body));
            Assert.Equal((mask & 32) != 0 ? "t1" : "<none>", check.ToTag.IsPresent ? check.Text(check.ToTag) : "<none>");
        }
    }
}
