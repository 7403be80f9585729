using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sip.Tests;

/// <summary>RFC 4475 torture messages (written out in tests/Corpus/rfc4475).</summary>
public class Rfc4475Tests
{
    [Theory]
    [InlineData("wsinv")]
    [InlineData("intmeth")]
    [InlineData("esc01")]
    [InlineData("escnull")]
    [InlineData("lwsdisp")]
    [InlineData("longreq")]
    [InlineData("dblreq")]
    [InlineData("semiuri")]
    [InlineData("transports")]
    [InlineData("mpart01")]
    [InlineData("unreason")]
    [InlineData("noreason")]
    [InlineData("inv2543")]
    [InlineData("zeromf")]
    [InlineData("bcast")]
    [InlineData("ipv6-5118-1")]
    [InlineData("ipv6-5118-port")]
    [InlineData("ipv6-5118-received")]
    public void ValidTortureMessagesParseAndValidate(string name)
    {
        byte[] b = Corpus.Load($"rfc4475/{name}.sip");
        var m = new SipMessage();
        Assert.Equal(SipError.None, m.Parse(b, 0, b.Length));
        Assert.Equal(SipError.None, m.Validate());
        Assert.Equal(SipError.None, m.GetTopVia(out _));
    }

    [Theory]
    [InlineData("badinv01", SipError.BadVia)]
    [InlineData("clerr", SipError.ContentLengthExceedsDatagram)]
    [InlineData("ncl", SipError.BadContentLength)]
    [InlineData("scalar02", SipError.BadCSeq)]
    [InlineData("scalarlg", SipError.BadCSeq)]
    [InlineData("insuf", SipError.MissingFrom)]
    [InlineData("mismatch01", SipError.CSeqMethodMismatch)]
    [InlineData("mismatch02", SipError.CSeqMethodMismatch)]
    [InlineData("badvers", SipError.VersionNotSupported)]
    [InlineData("bigcode", SipError.BadStatusCode)]
    [InlineData("ltgtruri", SipError.BadRequestUri)]
    [InlineData("lwsruri", SipError.BadRequestLine)]
    [InlineData("lwsstart", SipError.BadRequestLine)]
    [InlineData("trws", SipError.BadRequestLine)]
    [InlineData("escruri", SipError.BadRequestUri)]
    [InlineData("quotbal", SipError.BadTo)]
    [InlineData("baddn", SipError.BadFrom)]
    [InlineData("badaspec", SipError.BadTo)]
    [InlineData("regbadct", SipError.BadContact)]
    [InlineData("multi01", SipError.DuplicateHeader)]
    [InlineData("mcl01", SipError.DuplicateHeader)]
    public void InvalidTortureMessagesAreRejectedWithTheirReason(string name, SipError expected)
    {
        byte[] b = Corpus.Load($"rfc4475/{name}.sip");
        var m = new SipMessage();
        SipError e = m.Parse(b, 0, b.Length);
        if (e == SipError.None)
        {
            e = m.Validate();
        }

        Assert.Equal(expected, e);
        Assert.Equal(e, m.Error);
        Assert.False(SipErrors.ReasonPhrase(e).IsEmpty);
    }

    [Fact]
    public void BroadcastViaIsVisibleAsTheSecondViaSentBy()
    {
        SipMessage m = Corpus.Parse(Corpus.Load("rfc4475/bcast.sip"));
        var e = m.Values(HeaderId.Via);
        Assert.True(e.MoveNext());
        Assert.True(e.MoveNext());
        Assert.True(ViaHeader.TryParse(m.Span(e.Current.Value), e.Current.Value.Start, out ViaHeader second));
        Assert.Equal("255.255.255.255", m.Text(second.Host));
    }

    [Fact]
    public void Ipv6ReferencesInViaKeepTheirBrackets()
    {
        SipMessage m = Corpus.Parse(Corpus.Load("rfc4475/ipv6-5118-received.sip"));
        Assert.Equal(SipError.None, m.GetTopVia(out ViaHeader via));
        Assert.True(via.HostIsIPv6);
        Assert.Equal("[2001:db8::9:1]", m.Text(via.Host));
        Assert.Equal("[2001:db8::9:255]", m.Text(via.Received));
        Assert.Equal("sip:[2001:db8::10]", m.Text(m.RequestUri));
    }

    [Fact]
    public void UnreasonableReasonPhraseAndEmptyReasonAreKept()
    {
        SipMessage m = Corpus.Parse(Corpus.Load("rfc4475/unreason.sip"));
        Assert.Equal(200, m.StatusCode);
        Assert.StartsWith("= 2**3 * 5**2 но", m.Text(m.Reason));
        SipMessage n = Corpus.Parse(Corpus.Load("rfc4475/noreason.sip"));
        Assert.Equal(100, n.StatusCode);
        Assert.Equal(0, n.Reason.Length);
    }
}
