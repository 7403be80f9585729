using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sip.Tests;

/// <summary>Every top-level corpus message (RFC 3261, RFC 3327 and the benchmark messages) parses and validates.</summary>
public class CorpusTests
{
    [Theory]
    [InlineData("invite-sdp.sip")]
    [InlineData("register-path.sip")]
    [InlineData("ok-invite-rr.sip")]
    [InlineData("rfc3261-invite.sip")]
    [InlineData("rfc3261-ok.sip")]
    [InlineData("rfc3261-register.sip")]
    [InlineData("rfc3327-register.sip")]
    [InlineData("rfc3327-ok.sip")]
    public void CorpusMessagesParseAndValidate(string file)
    {
        SipMessage m = Corpus.Parse(Corpus.Load(file));
        Assert.Equal(SipError.None, m.Validate());
        Assert.Equal(SipError.None, m.GetTopVia(out ViaHeader via));
        Assert.StartsWith("z9hG4bK", m.Text(via.Branch));
        Assert.True(m.FromTag.IsPresent);
        Assert.True(m.CallId.Length > 0);
        Assert.Equal(m.Bytes.Length, m.MessageLength);
    }

    [Fact]
    public void Rfc3327RegisterCarriesPathAndTheEdgeProxyVia()
    {
        SipMessage m = Corpus.Parse(Corpus.Load("rfc3327-register.sip"));
        Assert.Equal(SipMethod.Register, m.Method);
        Assert.Equal("sip:REGISTRAR", m.Text(m.RequestUri));
        int path = m.FindHeader(HeaderId.Path);
        var e = m.ValuesOf(path);
        Assert.True(e.MoveNext());
        Assert.True(NameAddr.TryParse(m.Span(e.Current.Value), e.Current.Value.Start, out NameAddr p));
        Assert.Equal("sip:P1.EXAMPLEVISITED.COM;lr", m.Text(p.Uri));
        Assert.False(e.MoveNext());
        Assert.True(OptionTags.Contains(m, HeaderId.Supported, "path"u8));
        int second = m.FindHeader(HeaderId.Via, m.FindHeader(HeaderId.Via) + 1);
        Assert.True(ViaHeader.TryParse(m.Span(m.Header(second).Value), m.Header(second).Value.Start, out ViaHeader v2));
        Assert.Equal("198.51.100.1", m.Text(v2.Received));
        Assert.True(m.Has(HeaderId.Path));
        Assert.False(m.Has(HeaderId.Route));
    }

    [Fact]
    public void ReusingOneMessageForDifferentInputsResetsEverything()
    {
        var m = new SipMessage();
        byte[] a = Corpus.Load("ok-invite-rr.sip");
        byte[] b = Corpus.Load("rfc3261-register.sip");
        Assert.Equal(SipError.None, m.Parse(a, 0, a.Length));
        Assert.Equal("8321234356", m.Text(m.ToTag));
        Assert.Equal(SipError.None, m.Parse(b, 0, b.Length));
        Assert.False(m.ToTag.IsPresent);
        Assert.Equal("z9hG4bKnashds7", m.Text(m.TopViaBranch));
        Assert.True(m.IsRequest);
        Assert.Equal(0, m.StatusCode);
        byte[] bad = Corpus.Crlf("INVITE sip:a@b SIP/2.0\nVia: x\n\n");
        Assert.Equal(SipError.MissingFrom, m.Parse(bad, 0, bad.Length));
        Assert.Equal(SipError.MissingFrom, m.Validate());
        Assert.Equal(SipError.None, m.Parse(b, 0, b.Length));
        Assert.Equal(SipError.None, m.Error);
    }
}
