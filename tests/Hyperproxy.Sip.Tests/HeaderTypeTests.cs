using System.Text;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sip.Tests;

public class HeaderTypeTests
{
    private static string T(byte[] b, TextRange r) => r.IsPresent ? Encoding.UTF8.GetString(b, r.Start, r.Length) : "<none>";

    [Theory]
    [InlineData("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport", "UDP", "192.0.2.1", 5060, "z9hG4bK1", true, "<none>")]
    [InlineData("SIP/2.0/TCP host.example.com;rport=5070;received=10.0.0.1;branch=z9hG4bK2", "TCP", "host.example.com", 0, "z9hG4bK2", true, "5070")]
    [InlineData("SIP / 2.0 / TLS [2001:db8::1]:5061 ; branch = z9hG4bK3", "TLS", "[2001:db8::1]", 5061, "z9hG4bK3", false, "<none>")]
    [InlineData("SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKasudf", "WSS", "df7jal23ls0d.invalid", 0, "z9hG4bKasudf", false, "<none>")]
    public void ViaPartsAreFound(string value, string transport, string host, int port, string branch, bool rport, string rportValue)
    {
        byte[] b = Encoding.UTF8.GetBytes(value);
        Assert.True(ViaHeader.TryParse(b, 0, out ViaHeader v));
        Assert.Equal(transport, T(b, v.Transport));
        Assert.Equal("SIP", T(b, v.ProtocolName));
        Assert.Equal("2.0", T(b, v.ProtocolVersion));
        Assert.Equal(host, T(b, v.Host));
        Assert.Equal(port, v.PortNumber);
        Assert.Equal(branch, T(b, v.Branch));
        Assert.Equal(rport, v.HasRport);
        Assert.Equal(rportValue, T(b, v.Rport));
    }

    [Fact]
    public void ViaMaddrTtlAndOtherParamsAreKept()
    {
        byte[] b = Encoding.UTF8.GetBytes("SIP/2.0/UDP h;maddr=224.2.0.1;ttl=16;x-foo=\"a b\";branch=z9hG4bKq");
        Assert.True(ViaHeader.TryParse(b, 100, out ViaHeader v));
        Assert.Equal(new TextRange(100 + b.AsSpan().IndexOf("224"u8), 9), v.Maddr);
        Assert.Equal("16", T(b, v.Ttl.Offset(-100)));
        Assert.Contains("x-foo", T(b, v.Params.Offset(-100)));
    }

    [Theory]
    [InlineData("SIP/2.0 h")]
    [InlineData("SIP/2.0/UDP")]
    [InlineData("SIP/2.0/UDP h:0")]
    [InlineData("SIP/2.0/UDP h:70000")]
    [InlineData("SIP/2.0/UDP h;;")]
    [InlineData("SIP/2.0/UDP h;branch=")]
    [InlineData("SIP/2.0/UDP [zz::1]")]
    [InlineData("SIP/2.0/UDP h junk")]
    public void MalformedViasAreRejected(string value) => Assert.False(ViaHeader.TryParse(Encoding.UTF8.GetBytes(value), 0, out _));

    [Fact]
    public void ContactParamsAreFound()
    {
        SipMessage m = Corpus.Parse(Corpus.Load("register-path.sip"));
        var e = m.Values(HeaderId.Contact);
        Assert.True(e.MoveNext());
        Assert.True(NameAddr.TryParse(m.Span(e.Current.Value), e.Current.Value.Start, out NameAddr c));
        Assert.Equal("sip:ua1@192.168.1.20:5070;ob", m.Text(c.Uri));
        Assert.Equal("3600", m.Text(c.Expires));
        Assert.Equal("0.7", m.Text(c.Q));
        Assert.Equal("1", m.Text(c.RegId));
        Assert.Equal("\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\"", m.Text(c.Instance));
        Assert.True(Expires.TryParse(m.Span(c.Expires), out uint secs));
        Assert.Equal(3600u, secs);
        Assert.Equal(SipError.None, Expires.Get(m, out uint hdr));
        Assert.Equal(7200u, hdr);
    }

    [Fact]
    public void StarContactAndDisplayNamesParse()
    {
        byte[] b = Encoding.UTF8.GetBytes("*");
        Assert.True(NameAddr.TryParse(b, 0, out NameAddr star));
        Assert.True(star.IsStar);
        b = Encoding.UTF8.GetBytes("\"Quoted \\\"name\\\"\" <sip:a@b>;tag=x");
        Assert.True(NameAddr.TryParse(b, 0, out NameAddr q));
        Assert.Equal("\"Quoted \\\"name\\\"\"", T(b, q.DisplayName));
        Assert.Equal("x", T(b, q.Tag));
        b = Encoding.UTF8.GetBytes("Bob Smith<sip:bob@b>");
        Assert.True(NameAddr.TryParse(b, 0, out NameAddr t));
        Assert.Equal("Bob Smith", T(b, t.DisplayName));
        b = Encoding.UTF8.GetBytes("sip:bob@b;tag=99");
        Assert.True(NameAddr.TryParse(b, 0, out NameAddr bare));
        Assert.Equal("sip:bob@b", T(b, bare.Uri));
        Assert.Equal("99", T(b, bare.Tag));
        Assert.False(bare.HasBrackets);
    }

    [Theory]
    [InlineData("\"unterminated <sip:a@b>")]
    [InlineData("Bell, Alexander <sip:a@b>")]
    [InlineData("< sip:a@b >")]
    [InlineData("<sip:a@b")]
    [InlineData("<sip:a@b>;;")]
    [InlineData("sip:a@b?x=y")]
    [InlineData("<>")]
    [InlineData("")]
    public void MalformedNameAddrsAreRejected(string value) => Assert.False(NameAddr.TryParse(Encoding.UTF8.GetBytes(value), 0, out _));

    [Fact]
    public void PathAndRecordRouteListsParse()
    {
        SipMessage m = Corpus.Parse(Corpus.Load("rfc3327-ok.sip"));
        var uris = new List<string>();
        foreach (HeaderValue v in m.Values(HeaderId.Path))
        {
            Assert.True(NameAddr.TryParse(m.Span(v.Value), v.Value.Start, out NameAddr na));
            Assert.True(SipUri.TryParse(m.Span(na.Uri), out SipUri u));
            Assert.True(u.Lr);
            uris.Add(m.Text(na.Uri));
        }

        Assert.Equal(["sip:P3.EXAMPLEHOME.COM;lr", "sip:P1.EXAMPLEVISITED.COM;lr"], uris);
        Assert.True(OptionTags.Contains(m, HeaderId.Supported, "PATH"u8));
        Assert.False(OptionTags.Contains(m, HeaderId.Supported, "outbound"u8));
        Assert.Equal(SipError.None, OptionTags.Validate(m, HeaderId.Supported));
        SipMessage ok = Corpus.Parse(Corpus.Load("ok-invite-rr.sip"));
        Assert.Equal(2, Count(ok.Values(HeaderId.RecordRoute)));
    }

    [Fact]
    public void ContentTypeAndUserAgentAndServerAreReadable()
    {
        SipMessage m = Corpus.Parse(Corpus.Load("rfc4475/mpart01.sip"));
        Assert.True(MediaType.TryParse(m.HeaderValue(HeaderId.ContentType), m.Header(m.FindHeader(HeaderId.ContentType)).Value.Start, out MediaType mt));
        Assert.Equal("multipart", m.Text(mt.Type));
        Assert.Equal("mixed", m.Text(mt.Subtype));
        Assert.Equal("7a9cbec02ceef655", m.Text(mt.Boundary));
        Assert.Equal("SIPimp.org/0.2.5 (curses)", Encoding.UTF8.GetString(m.HeaderValue(HeaderId.UserAgent)));
        byte[] b = Corpus.Crlf("SIP/2.0 200 OK\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:a@b>;tag=2\nCall-ID: x\nCSeq: 1 OPTIONS\nServer: Hyperproxy 1.0\n\n");
        SipMessage r = Corpus.Parse(b);
        Assert.Equal("Hyperproxy 1.0", Encoding.UTF8.GetString(r.HeaderValue(HeaderId.Server)));
        Assert.False(MediaType.TryParse("text"u8, 0, out _));
    }

    [Fact]
    public void DigestCredentialsAreParsed()
    {
        byte[] b = Corpus.Crlf("REGISTER sip:example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@example.com>;tag=1\n" +
            "To: <sip:a@example.com>\nCall-ID: x\nCSeq: 2 REGISTER\n" +
            "Authorization: Digest username=\"Mufasa\", realm=\"testrealm@host.com\",\n  nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\",\n" +
            "  qop=auth, nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", algorithm=MD5\n" +
            "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"abc\", qop=\"auth,auth-int\", stale=TRUE\n\n");
        SipMessage m = Corpus.Parse(b);
        int i = m.FindHeader(HeaderId.Authorization);
        Assert.True(DigestHeader.TryParse(m.Span(m.Header(i).Value), m.Header(i).Value.Start, out DigestHeader d));
        Assert.True(d.IsDigest);
        Assert.Equal("Mufasa", m.Text(d.Username));
        Assert.Equal("testrealm@host.com", m.Text(d.Realm));
        Assert.Equal("dcd98b7102dd2f0e8b11d0f600bfb0c093", m.Text(d.Nonce));
        Assert.Equal("/dir/index.html", m.Text(d.Uri));
        Assert.Equal("auth", m.Text(d.Qop));
        Assert.Equal("00000001", m.Text(d.Nc));
        Assert.Equal("0a4f113b", m.Text(d.Cnonce));
        Assert.Equal("6629fae49393a05397450978507c4ef1", m.Text(d.Response));
        Assert.Equal("5ccc069c403ebaf9f0171e9517f40e41", m.Text(d.Opaque));
        Assert.Equal("MD5", m.Text(d.Algorithm));
        int w = m.FindHeader(HeaderId.WwwAuthenticate);
        Assert.True(DigestHeader.TryParse(m.Span(m.Header(w).Value), m.Header(w).Value.Start, out DigestHeader c));
        Assert.Equal("auth,auth-int", m.Text(c.Qop));
        Assert.Equal("TRUE", m.Text(c.Stale));
        Assert.False(DigestHeader.TryParse("Digest realm=\"x"u8, 0, out _));
        Assert.False(DigestHeader.TryParse("Digest realm"u8, 0, out _));
    }

    [Fact]
    public void CSeqCallIdAndMaxForwardsAreValidatedAtParse()
    {
        SipMessage m = Corpus.Parse(Corpus.Load("register-path.sip"));
        Assert.Equal(1826u, m.CSeqNumber);
        Assert.Equal(SipMethod.Register, m.CSeqMethod);
        Assert.Equal("REGISTER", m.Text(m.CSeqMethodRange));
        Assert.Equal("843817637684230@998sdasdh09", m.Text(m.CallId));
        Assert.Equal(69, m.MaxForwards);
        Assert.Equal(SipError.None, m.GetTopVia(out ViaHeader top));
        Assert.Equal("p1.example.com", m.Text(top.Host));
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
