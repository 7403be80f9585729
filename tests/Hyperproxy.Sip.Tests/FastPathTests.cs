using System.Text;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sip.Tests;

/// <summary>The fast paths of the typed views (usual spellings) agree with the general parsers on every input.</summary>
public class FastPathTests
{
    private static string T(byte[] b, TextRange r, int baseOffset = 0) =>
        r.IsPresent ? Encoding.UTF8.GetString(b, r.Start - baseOffset, r.Length) : "<none>";

    [Theory]
    [InlineData(";lr")]
    [InlineData(";lr;x=1")]
    [InlineData(";lr =x")]
    [InlineData(";lr\t;x")]
    [InlineData(";a=[::1]x")]
    [InlineData(";a=[::1];b")]
    [InlineData(";a=")]
    [InlineData(";a=;b")]
    [InlineData(";a=\"q;r\";b")]
    [InlineData(";a=b c")]
    [InlineData(";a:b=c")]
    [InlineData(";a=b?c")]
    [InlineData(";=b")]
    [InlineData("; a=b")]
    [InlineData(";a= b")]
    [InlineData(";a=sip:x@y:5060")]
    [InlineData(";a=b,c")]
    [InlineData("x;a=b")]
    [InlineData("")]
    public void ParameterFastPathMatchesGeneralReader(string text)
    {
        AssertSameParams(Encoding.UTF8.GetBytes(text));
    }

    [Fact]
    public void ParameterFastPathMatchesGeneralReaderOnRandomLists()
    {
        byte[] alphabet = "ab1-.;;;==\"[]: ,<>?\t\\xyz"u8.ToArray();
        var random = new Random(2718);
        var buffer = new byte[24];
        for (int n = 0; n < 20_000; n++)
        {
            int length = random.Next(1, buffer.Length + 1);
            buffer[0] = (byte)';';
            for (int i = 1; i < length; i++)
            {
                buffer[i] = alphabet[random.Next(alphabet.Length)];
            }

            AssertSameParams(buffer.AsSpan(0, length).ToArray());
        }
    }

    [Theory]
    [InlineData("<sip:a b>")]
    [InlineData("<>")]
    [InlineData("<:x>")]
    [InlineData("<sipx>")]
    [InlineData("< sip:a>")]
    [InlineData("<sip:a@b")]
    [InlineData("<sip:a\t>")]
    [InlineData("\"x\" <sip:a@b")]
    [InlineData("Bob <sip:a b>")]
    [InlineData("<sip:a>x")]
    [InlineData("<sip:a>;tag=")]
    [InlineData("<sip:a>;tag=[::1]x")]
    public void NameAddrRejectsMalformedBracketedForms(string text)
    {
        Assert.False(NameAddr.TryParse(Encoding.UTF8.GetBytes(text), 7, out _));
    }

    [Theory]
    [InlineData("<sip:a@b>;tag=1", "<none>", "sip:a@b", "1")]
    [InlineData("\"A, B\" <sip:a@b>;x;tag=z9", "\"A, B\"", "sip:a@b", "z9")]
    [InlineData("Bob <sips:bob@[2001:db8::1]:5061;transport=tls> ;tag = t2", "Bob", "sips:bob@[2001:db8::1]:5061;transport=tls", "t2")]
    [InlineData("<sip:a@b>;p=\"x;tag=no\";tag=yes", "<none>", "sip:a@b", "yes")]
    [InlineData("sip:a@b;tag=7", "<none>", "sip:a@b", "7")]
    public void NameAddrFastPathKeepsRangesAtTheBaseOffset(string text, string display, string uri, string tag)
    {
        byte[] b = Encoding.UTF8.GetBytes(text);
        const int Base = 40;
        Assert.True(NameAddr.TryParse(b, Base, out NameAddr na));
        Assert.Equal(display, T(b, na.DisplayName, Base));
        Assert.Equal(uri, T(b, na.Uri, Base));
        Assert.Equal(tag, T(b, na.Tag, Base));
        Assert.Equal(text, T(b, na.Value, Base));
        int uriEnd = na.Uri.End + (na.HasBrackets ? 1 : 0);
        Assert.Equal(uriEnd, na.UriEnd);
    }

    [Theory]
    [InlineData("SIP/2.0/UDP h:5060", 5060, "5060")]
    [InlineData("SIP/2.0/UDP h:05060", 5060, "05060")]
    [InlineData("SIP/2.0/UDP h:0000005060", 5060, "0000005060")]
    [InlineData("SIP/2.0/UDP h:65535;branch=z9hG4bK1", 65535, "65535")]
    [InlineData("SIP/2.0/UDP h : 7", 7, "7")]
    public void ViaPortsAreReadByTheFastAndGeneralNumberParsers(string text, int port, string range)
    {
        byte[] b = Encoding.UTF8.GetBytes(text);
        Assert.True(ViaHeader.TryParse(b, 3, out ViaHeader v));
        Assert.Equal(port, v.PortNumber);
        Assert.Equal(range, T(b, v.Port, 3));
    }

    [Theory]
    [InlineData("SIP/2.0/UDP h:65536")]
    [InlineData("SIP/2.0/UDP h:0")]
    [InlineData("SIP/2.0/UDP h:000")]
    [InlineData("SIP/2.0/UDP h:1234567")]
    [InlineData("SIP/2.0/UDP h:")]
    [InlineData("SIP/2.0/UDP h:5060x")]
    [InlineData("SIP/2.0/UDP h;branch=")]
    [InlineData("SIP/2.0/UDP h;received=[::1]x")]
    public void ViaRejectsBadPortsAndParameters(string text)
    {
        Assert.False(ViaHeader.TryParse(Encoding.UTF8.GetBytes(text), 0, out _));
    }

    [Theory]
    [InlineData("SIP/2.0/UDP h;branch=z9hG4bK1;rport", ";rport")]
    [InlineData("SIP/2.0/UDP h;rport=5070;branch=z9hG4bK1", ";rport=5070")]
    [InlineData("SIP/2.0/UDP h ; rport = 5070 ;branch=z9hG4bK1", "; rport = 5070")]
    public void ViaRportParameterRangeStartsAtItsSemicolon(string text, string param)
    {
        byte[] b = Encoding.UTF8.GetBytes(text);
        Assert.True(ViaHeader.TryParse(b, 11, out ViaHeader v));
        Assert.True(v.HasRport);
        Assert.Equal(param, T(b, v.RportParam, 11));
        Assert.Equal("z9hG4bK1", T(b, v.Branch, 11));
    }

    [Theory]
    [InlineData("<sip:a>,<sip:b>", "<sip:a>|<sip:b>")]
    [InlineData("\"a,b\" <sip:c>, <sip:d>", "\"a,b\" <sip:c>|<sip:d>")]
    [InlineData("<sip:a>;p=\"x,<y\", <sip:b;x=,>", "<sip:a>;p=\"x,<y\"|<sip:b;x=,>")]
    [InlineData(",<sip:a>,,<sip:b>,", "<sip:a>|<sip:b>")]
    [InlineData("<sip:a,b>", "<sip:a,b>")]
    [InlineData("<sip:a", "<sip:a")]
    public void ListElementsSplitOnlyAtTopLevelCommas(string value, string expected)
    {
        byte[] b = Encoding.UTF8.GetBytes(
            "OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:f>;tag=1\r\nTo: <sip:t>\r\n" +
            "Call-ID: c\r\nCSeq: 1 OPTIONS\r\nRoute: " + value + "\r\nContent-Length: 0\r\n\r\n");
        var m = new SipMessage();
        Assert.Equal(SipError.None, m.Parse(b, 0, b.Length));
        var parts = new List<string>();
        foreach (HeaderValue v in m.Values(HeaderId.Route))
        {
            parts.Add(m.Text(v.Value));
        }

        Assert.Equal(expected, string.Join("|", parts));
    }

    private static void AssertSameParams(byte[] s)
    {
        int fast = 0;
        int general = 0;
        for (int guard = 0; guard < s.Length + 2; guard++)
        {
            bool f = SipParams.TryNext(s, ref fast, out TextRange fn, out TextRange fv, out bool fe);
            bool g = SipParams.TryNextGeneral(s, ref general, out TextRange gn, out TextRange gv, out bool ge);
            string input = Encoding.UTF8.GetString(s);
            Assert.True(f == g, $"result differs on '{input}'");
            Assert.True(fe == ge, $"error differs on '{input}'");
            if (!f)
            {
                return;
            }

            Assert.True(fn == gn && fv == gv && fast == general, $"parameter differs on '{input}'");
        }
    }
}
