using System.Text;

namespace Hyperproxy.Sip.Tests;

public class UriTests
{
    private static SipUri Parse(string s, out byte[] b)
    {
        b = Encoding.UTF8.GetBytes(s);
        Assert.True(SipUri.TryParse(b, out SipUri u), s);
        return u;
    }

    private static string T(byte[] b, TextRange r) => r.IsPresent ? Encoding.UTF8.GetString(b, r.Start, r.Length) : "<none>";

    [Fact]
    public void SipUriPartsAreFound()
    {
        SipUri u = Parse("sips:alice:secret@Atlanta.COM:5061;transport=tcp;user=phone;method=INVITE;ttl=15;maddr=239.255.255.1;lr;x=y?subject=project%20x&priority=urgent", out byte[] b);
        Assert.Equal(UriScheme.Sips, u.Scheme);
        Assert.Equal("alice", T(b, u.User));
        Assert.Equal("secret", T(b, u.Password));
        Assert.Equal("Atlanta.COM", T(b, u.Host));
        Assert.Equal(HostKind.Name, u.HostKind);
        Assert.Equal(5061, u.PortNumber);
        Assert.Equal("tcp", T(b, u.Transport));
        Assert.Equal("phone", T(b, u.UserParam));
        Assert.Equal("INVITE", T(b, u.MethodParam));
        Assert.Equal("15", T(b, u.Ttl));
        Assert.Equal("239.255.255.1", T(b, u.Maddr));
        Assert.True(u.Lr);
        Assert.Equal("subject=project%20x&priority=urgent", T(b, u.Headers));
    }

    [Theory]
    [InlineData("sip:[2001:db8::10]", "[2001:db8::10]", 0)]
    [InlineData("sip:[2001:db8::10]:5070", "[2001:db8::10]", 5070)]
    [InlineData("sip:caller@[2001:db8::1]", "[2001:db8::1]", 0)]
    [InlineData("sip:user@[::ffff:192.0.2.1]:5060;transport=udp", "[::ffff:192.0.2.1]", 5060)]
    public void Ipv6ReferencesParse(string s, string host, int port)
    {
        SipUri u = Parse(s, out byte[] b);
        Assert.Equal(HostKind.IPv6, u.HostKind);
        Assert.Equal(host, T(b, u.Host));
        Assert.Equal(port, u.PortNumber);
    }

    [Fact]
    public void Ipv4AndTelUrisParse()
    {
        SipUri u = Parse("sip:bob@192.0.2.4:5060", out byte[] b);
        Assert.Equal(HostKind.IPv4, u.HostKind);
        SipUri t = Parse("tel:+1-201-555-0123;phone-context=example.com", out b);
        Assert.Equal(UriScheme.Tel, t.Scheme);
        Assert.Equal("+1-201-555-0123", T(b, t.User));
        Assert.False(t.Host.IsPresent);
    }

    [Fact]
    public void EscapedUserPartsKeepTheirEscapes()
    {
        SipUri u = Parse("sip:sips%3Auser%40example.com@example.net", out byte[] b);
        Assert.Equal("sips%3Auser%40example.com", T(b, u.User));
        Assert.Equal("example.net", T(b, u.Host));
        SipUri semi = Parse("sip:user;par=u%40example.net@example.com", out b);
        Assert.Equal("user;par=u%40example.net", T(b, semi.User));
    }

    [Theory]
    [InlineData("sip:")]
    [InlineData("sip:@example.com")]
    [InlineData("sip:user@")]
    [InlineData("sip:user@host:99999")]
    [InlineData("sip:user@host:5x")]
    [InlineData("sip:user@[2001:db8::1")]
    [InlineData("sip:us%4ger@host")]
    [InlineData("http://example.com")]
    [InlineData("sip:host;;a")]
    public void MalformedUrisAreRejected(string s) => Assert.False(SipUri.TryParse(Encoding.UTF8.GetBytes(s), out _));

    // RFC 3261 §19.1.4 examples.
    [Theory]
    [InlineData("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp")]
    [InlineData("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5")]
    [InlineData("sip:carol@chicago.com", "sip:carol@chicago.com;security=on")]
    [InlineData("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on")]
    [InlineData("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com", "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com")]
    [InlineData("sip:alice@atlanta.com?subject=project%20x&priority=urgent", "sip:alice@atlanta.com?priority=urgent&subject=project%20x")]
    [InlineData("sip:[2001:DB8::10]", "sip:[2001:db8::10]")]
    public void EquivalentUrisCompareEqual(string a, string b)
    {
        Assert.True(SipUri.Equivalent(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b)));
        Assert.True(SipUri.Equivalent(Encoding.UTF8.GetBytes(b), Encoding.UTF8.GetBytes(a)));
    }

    [Theory]
    [InlineData("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP")]
    [InlineData("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060")]
    [InlineData("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp")]
    [InlineData("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp")]
    [InlineData("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting")]
    [InlineData("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4")]
    [InlineData("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off")]
    [InlineData("sip:alice@atlanta.com", "sips:alice@atlanta.com")]
    [InlineData("sip:alice:pw@atlanta.com", "sip:alice@atlanta.com")]
    [InlineData("sip:alice@atlanta.com;maddr=1.2.3.4", "sip:alice@atlanta.com")]
    public void DifferentUrisCompareUnequal(string a, string b)
    {
        Assert.False(SipUri.Equivalent(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b)));
        Assert.False(SipUri.Equivalent(Encoding.UTF8.GetBytes(b), Encoding.UTF8.GetBytes(a)));
    }

    [Fact]
    public void EquivalenceWorksOnRangesInsideAMessage()
    {
        SipMessage m = Corpus.Parse(Corpus.Load("rfc3261-invite.sip"));
        Assert.Equal(SipError.None, m.GetTo(out var to));
        ReadOnlySpan<byte> a = m.Span(m.RequestUri);
        ReadOnlySpan<byte> b = m.Span(to.Uri);
        Assert.True(SipUri.TryParse(a, out SipUri ua));
        Assert.True(SipUri.TryParse(b, out SipUri ub));
        Assert.True(SipUri.Equivalent(a, ua, b, ub));
    }

    [Theory]
    [InlineData("sip:bob@127.0.0.7:5070", true, "127.0.0.7", 5070)]
    [InlineData("SIP:bob@Example.COM", true, "Example.COM", 0)]
    [InlineData("sips:alice:secret@atlanta.com:5061;transport=tcp?subject=x", true, "atlanta.com", 5061)]
    [InlineData("sip:[2001:db8::10]:05070;lr", true, "[2001:db8::10]", 5070)]
    [InlineData("sip:host_1.example.com;lr", true, "host_1.example.com", 0)]
    [InlineData("sip:host:0", true, "host", 0)]
    [InlineData("sip:host:65535", true, "host", 65535)]
    [InlineData("sip:host:65536", false, "", 0)]
    [InlineData("sip:host:", false, "", 0)]
    [InlineData("sip:host:5x", false, "", 0)]
    [InlineData("sip:host/x", false, "", 0)]
    [InlineData("sip:@host", false, "", 0)]
    [InlineData("sip::pw@host", false, "", 0)]
    [InlineData("sip:user@", false, "", 0)]
    [InlineData("sip:user@[2001:db8::1", false, "", 0)]
    [InlineData("sip:", false, "", 0)]
    [InlineData("tel:+123", false, "", 0)]
    [InlineData("sipx:host", false, "", 0)]
    [InlineData("http://host", false, "", 0)]
    public void HostPortOnlyAgreesWithTheFullParse(string text, bool ok, string host, int port)
    {
        byte[] b = Encoding.UTF8.GetBytes(text);
        Assert.Equal(ok, HostPort(b, out UriScheme scheme, out TextRange h, out int p));
        if (!ok)
        {
            return;
        }

        Assert.Equal(host, T(b, h));
        Assert.Equal(port, p);
        Assert.True(SipUri.TryParse(b, out SipUri full));
        Assert.Equal(full.Scheme, scheme);
        Assert.Equal(full.Host, h);
        Assert.Equal(full.PortNumber, p);
    }

    [Fact]
    public void HostPortOnlyAgreesWithTheFullParseOnRandomUris()
    {
        // Seeded: URIs of 5..80 bytes from pieces that matter to the scan (both the vector and the plain path).
        string[] pieces = ["sip:", "sips:", "SIP:", "bob", "+1555", "%41", ":pw", "@", "@", "127.0.0.7", "example.com", "[2001:db8::1]",
            ":5060", ":70000", ":", ";lr", ";transport=tcp", "?h=v", "a_b", "-", ".", "/", " ", "é"];
        var random = new Random(4242);
        int agreed = 0;
        for (int n = 0; n < 20_000; n++)
        {
            var text = new StringBuilder(random.Next(2) == 0 ? "sip:" : "");
            int count = random.Next(1, 9);
            for (int k = 0; k < count; k++)
            {
                text.Append(pieces[random.Next(pieces.Length)]);
            }

            byte[] b = Encoding.UTF8.GetBytes(text.ToString());
            if (b.Length > 80)
            {
                continue;
            }

            bool full = SipUri.TryParse(b, out SipUri u) && u.Scheme != UriScheme.Tel;
            bool fast = HostPort(b, out UriScheme scheme, out TextRange host, out int port);
            if (full)
            {
                // Whatever the full parse accepts, the host/port scan reads the same way.
                Assert.True(fast, text.ToString());
                Assert.Equal(u.Host, host);
                Assert.Equal(u.PortNumber, port);
                Assert.Equal(u.Scheme, scheme);
                agreed++;
            }
        }

        Assert.True(agreed > 1000, $"only {agreed} parseable URIs generated");
    }

    /// <summary>The host scan then the port read, as "is this me" runs them when the host is one of ours.</summary>
    private static bool HostPort(byte[] b, out UriScheme scheme, out TextRange host, out int port)
    {
        port = 0;
        return SipUri.TryFindHost(b, out scheme, out host) && SipUri.TryParsePort(b, host.End, out port);
    }

    [Fact]
    public void TheParsersRequestUriHostOffsetIsWhereTheHostScanStarts()
    {
        // Seeded R-URIs: wherever the parser says the host starts, reading the host there gives what the whole
        // scan gives, with the scheme byte 3 tells; where it gives no offset, the whole scan finds no host either.
        string[] pieces = ["bob", "+1555", "%41", ":pw", "@", "@", "127.0.0.7", "example.com", "[2001:db8::1]",
            ":5060", ":", ";lr", ";transport=tcp", "?h=v", "a_b", "-", ".", "/"];
        string[] schemes = ["sip:", "sips:", "SIP:", "SiPs:", "tel:", "urn:", "sip:@", "sip::"];
        var random = new Random(2024);
        var m = new SipMessage();
        int withOffset = 0;
        int without = 0;
        for (int n = 0; n < 20_000; n++)
        {
            var uri = new StringBuilder(schemes[random.Next(schemes.Length)]);
            int count = random.Next(1, 7);
            for (int k = 0; k < count; k++)
            {
                uri.Append(pieces[random.Next(pieces.Length)]);
            }

            byte[] b = Encoding.ASCII.GetBytes($"OPTIONS {uri} SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\n"
                + "To: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
            if (m.Parse(b, 0, b.Length) != SipError.None)
            {
                continue;
            }

            ReadOnlySpan<byte> text = m.Span(m.RequestUri);
            bool found = SipUri.TryFindHost(text, out UriScheme scheme, out TextRange host);
            int offset = m.RequestUriHostOffset;
            if (offset < 0)
            {
                Assert.False(found, uri.ToString());
                without++;
                continue;
            }

            Assert.Equal(found, SipUri.TryFindHostAt(text, offset, out TextRange at));
            if (found)
            {
                Assert.Equal(host, at);
                Assert.Equal(scheme, text[3] == ':' ? UriScheme.Sip : UriScheme.Sips);
            }

            withOffset++;
        }

        Assert.True(withOffset > 1000 && without > 1000, $"{withOffset} with an offset, {without} without");
        byte[] reply = Encoding.ASCII.GetBytes("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\n"
            + "Call-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(SipError.None, m.Parse(reply, 0, reply.Length));
        Assert.Equal(-1, m.RequestUriHostOffset);
    }
}
