using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sip.Tests;

public class ParserTests
{
    [Fact]
    public void ParseIndexesTheRfc3261InviteExample()
    {
        SipMessage m = Corpus.Parse(Corpus.Load("rfc3261-invite.sip"));
        Assert.True(m.IsRequest);
        Assert.Equal(SipMethod.Invite, m.Method);
        Assert.Equal("INVITE", m.Text(m.MethodRange));
        Assert.Equal("sip:bob@biloxi.com", m.Text(m.RequestUri));
        Assert.Equal(9, m.HeaderCount);
        Assert.Equal("a84b4c76e66710@pc33.atlanta.com", m.Text(m.CallId));
        Assert.Equal(314159u, m.CSeqNumber);
        Assert.Equal(SipMethod.Invite, m.CSeqMethod);
        Assert.Equal(70, m.MaxForwards);
        Assert.Equal(m.ContentLength, m.Body.Length);
        Assert.StartsWith("v=0\r\n", m.Text(m.Body));
        Assert.Equal("z9hG4bK776asdhds", m.Text(m.TopViaBranch));
        Assert.Equal("1928301774", m.Text(m.FromTag));
        Assert.False(m.ToTag.IsPresent);
        Assert.Equal(SipError.None, m.Validate());
    }

    [Fact]
    public void ParseReadsTheStatusLineAndAllViasOfTheRfc3261Response()
    {
        SipMessage m = Corpus.Parse(Corpus.Load("rfc3261-ok.sip"));
        Assert.False(m.IsRequest);
        Assert.Equal(200, m.StatusCode);
        Assert.Equal("OK", m.Text(m.Reason));
        Assert.Equal(3, m.CountHeaders(HeaderId.Via));
        int n = 0;
        foreach (HeaderValue v in m.Values(HeaderId.Via))
        {
            Assert.True(ViaHeader.TryParse(m.Span(v.Value), v.Value.Start, out ViaHeader via));
            Assert.StartsWith("z9hG4bK", m.Text(via.Branch));
            Assert.True(via.Received.IsPresent);
            n++;
        }

        Assert.Equal(3, n);
        Assert.Equal("a6c85cf", m.Text(m.ToTag));
        Assert.Equal(SipMethod.Invite, m.CSeqMethod);
    }

    [Fact]
    public void CompactFormsMapToTheSameIds()
    {
        byte[] b = Corpus.Crlf("INVITE sip:a@b SIP/2.0\nv: SIP/2.0/UDP h;branch=z9hG4bK1\nf: <sip:x@y>;tag=1\nt: sip:a@b\n" +
            "i: cid1\nCSeq: 1 INVITE\nm: <sip:x@1.2.3.4>\nc: text/plain\nk: path\ne: gzip\ns: hi\nl: 2\n\nab");
        SipMessage m = Corpus.Parse(b);
        Assert.Equal(0, m.FindHeader(HeaderId.Via));
        Assert.Equal("cid1", m.Text(m.CallId));
        Assert.Equal(5, m.FindHeader(HeaderId.Contact));
        Assert.Equal(6, m.FindHeader(HeaderId.ContentType));
        Assert.Equal(7, m.FindHeader(HeaderId.Supported));
        Assert.Equal(8, m.FindHeader(HeaderId.ContentEncoding));
        Assert.Equal(9, m.FindHeader(HeaderId.Subject));
        Assert.Equal(2, m.ContentLength);
        Assert.Equal("ab", m.Text(m.Body));
        Assert.Equal(5, m.FindHeader("Contact"u8));
        Assert.Equal(5, m.FindHeader("m"u8));
        Assert.Equal(0, m.FindHeader("VIA"u8));
    }

    [Fact]
    public void FoldedHeaderValuesSpanTheContinuationLines()
    {
        SipMessage m = Corpus.Parse(Corpus.Load("rfc4475/wsinv.sip"));
        int i = m.FindHeader("NewFangledHeader"u8);
        Assert.True(i >= 0);
        Assert.Equal("newfangled value\r\n continued newfangled value", m.Text(m.Header(i).Value));
        Assert.Equal(9u, m.CSeqNumber);
        Assert.Equal(68, m.MaxForwards);
        Assert.Equal("1918181833n", m.Text(m.ToTag));
        Assert.Equal("98asjd8", m.Text(m.FromTag));
        Assert.Equal(SipError.None, m.GetTopVia(out ViaHeader via));
        Assert.Equal("UDP", m.Text(via.Transport));
        Assert.Equal("192.0.2.2", m.Text(via.Host));
        Assert.Equal("390skdjuw", m.Text(via.Branch));
        Assert.Equal(3, Count(m.Values(HeaderId.Via)));
        Assert.Equal(1, m.CountHeaders("s"u8));
        Assert.Equal(0, m.Header(m.FindHeader(HeaderId.Subject)).Value.Length);
        Assert.Equal(SipError.None, m.Validate());
    }

    [Fact]
    public void RepeatedAndCommaJoinedHeadersGiveAllValues()
    {
        byte[] b = Corpus.Crlf("INVITE sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:x@y>;tag=1\nTo: sip:a@b\n" +
            "Call-ID: c\nCSeq: 1 INVITE\nRoute: <sip:p1;lr>, \"a,b\" <sip:p2;lr>\nRoute: <sip:p3,x;lr>\n\n");
        SipMessage m = Corpus.Parse(b);
        var uris = new List<string>();
        foreach (HeaderValue v in m.Values(HeaderId.Route))
        {
            Assert.True(NameAddr.TryParse(m.Span(v.Value), v.Value.Start, out NameAddr na));
            uris.Add(m.Text(na.Uri));
        }

        Assert.Equal(["sip:p1;lr", "sip:p2;lr", "sip:p3,x;lr"], uris);
        Assert.Equal(2, m.CountHeaders(HeaderId.Route));
        Assert.Equal(-1, m.ContentLength);
        Assert.Equal(0, m.Body.Length);
    }

    [Fact]
    public void MissingContentLengthMeansBodyToTheEndOfTheDatagram()
    {
        SipMessage m = Corpus.Parse(Corpus.Load("rfc4475/inv2543.sip"));
        Assert.Equal(-1, m.ContentLength);
        Assert.True(m.Body.Length > 0);
        Assert.Equal(m.Bytes.Length, m.Body.End);
        Assert.False(m.FromTag.IsPresent);
        Assert.False(m.TopViaBranch.IsPresent);
    }

    [Fact]
    public void ExtraBytesAfterContentLengthAreNotPartOfTheMessage()
    {
        SipMessage m = Corpus.Parse(Corpus.Load("rfc4475/dblreq.sip"));
        Assert.Equal(SipMethod.Register, m.Method);
        Assert.Equal(0, m.Body.Length);
        Assert.True(m.MessageLength < m.Bytes.Length);
    }

    [Fact]
    public void ExtensionMethodsAndEscapedCharactersParse()
    {
        SipMessage m = Corpus.Parse(Corpus.Load("rfc4475/intmeth.sip"));
        Assert.Equal(SipMethod.Unknown, m.Method);
        Assert.Equal("!interesting-Method0123456789_*+`.%indeed'~", m.Text(m.MethodRange));
        Assert.Equal(139122385u, m.CSeqNumber);
        Assert.Equal("_token~1'+`*%!-.", m.Text(m.FromTag));
        Assert.Equal(SipError.None, m.Validate());
    }

    [Fact]
    public void HeaderLookupByArbitraryNameIgnoresCase()
    {
        SipMessage m = Corpus.Parse(Corpus.Load("rfc4475/wsinv.sip"));
        int i = m.FindHeader("unknownheaderwithunusualvalue"u8);
        Assert.Equal(";;,,;;,;", m.Text(m.Header(i).Value));
        Assert.Equal(-1, m.FindHeader("X-Nope"u8));
        Assert.Equal(1, m.CountHeaders("NEWFANGLEDHEADER"u8));
    }

    private static int Count(HeaderValueEnumerator e)
    {
        int n = 0;
        foreach (HeaderValue _ in e)
        {
            n++;
        }

        return n;
    }
}
