using System.Text;
using Hyperproxy.Sip.Headers;
using Hyperproxy.Testing;

namespace Hyperproxy.Sip.Tests;

/// <summary>
/// The single-pass readers (list elements parsed where they stand, the top Via up to its comma, From/To in place, quoted
/// parameter values) give what splitting the list and running the general parsers gives, on every input.
/// </summary>
public class SinglePassTests
{
    private const string Head = "OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
        + "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n";

    private static readonly string[] s_displays = ["", "Bob ", "\"A, B\" ", "\"q\\\"x\" ", "A B  ", "*", "\"open ", "@x "];

    private static readonly string[] s_uris =
    [
        "<sip:a@example.com>", "<sip:p1.example.com;lr>", "<sip:a,b@x;lr>", "<sips:[2001:db8::1]:5061>", "<sip:a b>",
        "sip:plain@x", "<sip:x", "<>", "*", "<sip:a@b;x=\">",
    ];

    private static readonly string[] s_params =
    [
        "", ";tag=9f", ";lr", ";q=0.5;expires=60", ";+sip.instance=\"<urn:uuid:1,2>\"", ";reg-id=1", ";x=\"a\\\"b\"",
        ";maddr=[::1]", ";a=", ";=b", " ;tag=1", "; tag=1", ";tag =1", ";x=\"open", ";x=a\"b\"", ";x=<y>", ";x=a?b", "junk",
        ";EXPIRES=7;Tag=T",
    ];

    private static readonly string[] s_separators = [", ", ",", " , ", ",,", "\t,", " "];

    [Theory]
    [InlineData("Contact: <sip:alice@198.51.100.10:5060;transport=udp>;+sip.instance=\"<urn:uuid:f81d4fae>\"\r\n")]
    [InlineData("Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr;ftag=9f>\r\nRoute: <sip:p3>\r\n")]
    [InlineData("Route: <sip:p1>,\r\nRoute: ,<sip:p2>, \r\nRoute:\r\nRoute: <sip:p3>\r\n")]
    [InlineData("Route: <sip:p1>;x=\"unterminated, <sip:p2>\r\n")]
    [InlineData("Route: <sip:p1>, *\r\n")]
    [InlineData("Contact: *\r\n")]
    [InlineData("Contact: \"A, B\" <sip:a@b>;q=0.1, Bob <sip:b@c>;expires=5, sip:c@d;q=1\r\n")]
    [InlineData("Contact: <sip:a@b>;+sip.instance=\"<urn:x>\";reg-id=2;expires=600\r\n")]
    [InlineData("Path: <sip:a@b;lr>;x=[::1,2]\r\nRecord-Route: <sip:r1;lr>, <sip:r2;lr>, <sip:r3;lr>, <sip:r4;lr>, <sip:r5;lr>, <sip:r6;lr>\r\n")]
    public void NameAddrsMatchSplitThenParse(string headers)
    {
        AssertListsMatch(headers);
    }

    [Fact]
    public void NameAddrsMatchSplitThenParseOnRandomLists()
    {
        var random = new Random(4475);
        HeaderId[] ids = [HeaderId.Contact, HeaderId.Route, HeaderId.RecordRoute, HeaderId.Path];
        string[] names = ["Contact", "Route", "Record-Route", "Path"];
        var sb = new StringBuilder();
        for (int n = 0; n < 4000; n++)
        {
            sb.Clear();
            int lines = random.Next(1, 4);
            for (int l = 0; l < lines; l++)
            {
                sb.Append(names[random.Next(names.Length)]).Append(": ");
                int elements = random.Next(1, 7);
                for (int e = 0; e < elements; e++)
                {
                    if (e > 0)
                    {
                        sb.Append(s_separators[random.Next(s_separators.Length)]);
                    }

                    // Mostly well-formed elements, so that lists reach their later elements and the kept ones.
                    bool clean = random.Next(4) != 0;
                    sb.Append(clean ? s_displays[random.Next(3)] : s_displays[random.Next(s_displays.Length)]);
                    sb.Append(clean ? s_uris[random.Next(4)] : s_uris[random.Next(s_uris.Length)]);
                    sb.Append(clean ? s_params[random.Next(8)] : s_params[random.Next(s_params.Length)]);
                }

                sb.Append("\r\n");
            }

            AssertListsMatch(sb.ToString());
        }
    }

    [Theory]
    [InlineData("SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK74;rport")]
    [InlineData("SIP/2.0/UDP h;BRANCH=z9;Received=1.2.3.4;rport=5;maddr=m;ttl=1, SIP/2.0/TCP g")]
    [InlineData("SIP/2.0/UDP h;branch=z9;x=\"a,b\", SIP/2.0/TCP g")]
    [InlineData("SIP/2.0/UDP h;received=[::1];branch=z, SIP/2.0/TCP g")]
    [InlineData("SIP/2.0/UDP h;received=[::1,2];branch=z")]
    [InlineData("SIP/2.0/UDP h;branch=z9 ;rport")]
    [InlineData("SIP/2.0/UDP h;branch=;rport")]
    [InlineData("SIP/2.0/UDP h;branch")]
    [InlineData("SIP/2.0/UDP h;branch=z9<x, y>")]
    [InlineData("SIP/2.0/UDP [2001:db8::1]:5060;branch=z , SIP/2.0/UDP g")]
    [InlineData(" , SIP/2.0/UDP h;branch=z")]
    [InlineData("SIP / 2.0 / UDP h ; branch = z")]
    public void TopViaMatchesSplitThenParse(string via)
    {
        AssertTopViaMatches(via);
    }

    [Fact]
    public void TopViaMatchesSplitThenParseOnRandomVias()
    {
        string[] hosts = ["h", "198.51.100.10:5060", "[::1]:5", "h:0", "h :5", "[::1,]"];
        string[] parameters =
        [
            ";branch=z9hG4bK1", ";rport", ";rport=5060", ";received=1.2.3.4", ";received=[::1]", ";maddr=m;ttl=3", ";x=\"a,b\"",
            ";x=\"open", ";branch=", ";Branch=Z", ";branchx=1", ";x=[1,2]", " ;lr", ";x=<a,b>", ";x=a\"b,c\"", "junk", ";",
        ];
        string[] separators = [", ", ",", " ,", ",,"];
        var random = new Random(3581);
        var sb = new StringBuilder();
        for (int n = 0; n < 4000; n++)
        {
            sb.Clear();
            int elements = random.Next(1, 4);
            for (int e = 0; e < elements; e++)
            {
                sb.Append(e > 0 ? separators[random.Next(separators.Length)] : string.Empty);
                sb.Append("SIP/2.0/UDP ").Append(hosts[random.Next(hosts.Length)]);
                int count = random.Next(0, 4);
                for (int p = 0; p < count; p++)
                {
                    sb.Append(parameters[random.Next(parameters.Length)]);
                }
            }

            AssertTopViaMatches(sb.ToString());
        }
    }

    [Theory]
    [InlineData("\"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=9fxced76sl")]
    [InlineData("Bob <sip:bob@biloxi.example.com>")]
    [InlineData("<sip:a@b>;tag=1, <sip:c@d>")]
    [InlineData("<sip:a@b>;tag=\"q\"")]
    [InlineData("<sip:a@b>;tag=1 ")]
    [InlineData("*")]
    [InlineData("sip:a@b;tag=1")]
    [InlineData("\"x\"<sip:a@b>;tag=1;q")]
    [InlineData("A\"B <sip:a@b>")]
    public void FromAndToMatchTheGeneralParser(string value)
    {
        SipMessage m = Parse($"OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: {value}\r\nTo: {value}\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n");
        byte[] bytes = m.Bytes.ToArray();
        TextRange v = m.Header(m.FindHeader(HeaderId.From)).Value;
        bool ok = NameAddr.TryParse(bytes.AsSpan(v.Start, v.Length), v.Start, out NameAddr expected) && !expected.IsStar;
        Assert.Equal(ok ? SipError.None : SipError.BadFrom, m.GetFrom(out NameAddr from));
        Assert.Equal(ok ? SipError.None : SipError.BadTo, m.GetTo(out _));
        if (ok)
        {
            Assert.Equal(Describe(bytes, expected), Describe(bytes, from));
        }
    }

    [Fact]
    public void GetFirstContactAndRouteReportAbsentMalformedAndStar()
    {
        SipMessage m = Parse(Head);
        Assert.Equal(SipError.HeaderNotFound, m.GetFirstContact(out _));
        Assert.Equal(SipError.HeaderNotFound, m.GetFirstRoute(out _));

        m = Parse(Head + "Route: *\r\nContact: <sip:a b>\r\n");
        Assert.Equal(SipError.BadRoute, m.GetFirstRoute(out _));
        Assert.Equal(SipError.BadContact, m.GetFirstContact(out _));
        Assert.Equal(SipError.BadContact, m.GetFirstContact(out _));
        Assert.Equal(SipError.BadContact, m.Validate());

        m = Parse(Head + "Contact: *\r\nRoute: <sip:p1;lr>\r\n");
        Assert.Equal(SipError.None, m.GetFirstContact(out NameAddr star));
        Assert.True(star.IsStar);
        Assert.Equal(SipError.None, m.GetFirstRoute(out NameAddr route));
        Assert.Equal("sip:p1;lr", Encoding.ASCII.GetString(m.Span(route.Uri)));
    }

    [Fact]
    public void NameAddrsStopAtTheMalformedElementAndSayWhere()
    {
        SipMessage m = Parse(Head + "Route: <sip:p1>, <sip:p2>;x=\"open\r\n");
        NameAddrEnumerator e = m.NameAddrs(HeaderId.Route);
        Assert.True(e.MoveNext());
        Assert.Equal("sip:p1", Encoding.ASCII.GetString(m.Span(e.Current.Uri)));
        Assert.False(e.MoveNext());
        Assert.True(e.Failed);
        Assert.Equal("<sip:p2>;x=\"open", Encoding.ASCII.GetString(m.Span(e.FailedValue.Value)));
        Assert.False(e.MoveNext());
        Assert.Equal(SipError.BadRoute, m.Validate());
        Assert.Equal(e.FailedValue.Value.Start, m.ErrorOffset);
    }

    [Fact]
    public void KeptElementsAreForgottenByTheNextParse()
    {
        SipMessage m = Parse(Head + "Route: <sip:old1>, <sip:old2>\r\n");
        Assert.Equal(2, Count(m, HeaderId.Route));
        byte[] next = Encoding.ASCII.GetBytes(Head + "Route: <sip:new1>\r\n\r\n");
        Assert.Equal(SipError.None, m.Parse(next, 0, next.Length));
        Assert.Equal(1, Count(m, HeaderId.Route));
        Assert.Equal(SipError.None, m.GetFirstRoute(out NameAddr r));
        Assert.Equal("sip:new1", Encoding.ASCII.GetString(m.Span(r.Uri)));
    }

    [Fact]
    public void ListsAndTopViaAllocateNothing()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(Head + "Contact: <sip:a@b>;+sip.instance=\"<urn:x>\"\r\nRoute: <sip:p1;lr>, <sip:p2;lr>\r\n\r\n");
        var m = new SipMessage();
        long sink = Loop(m, bytes, 1000);
        Assert.Equal(0, Allocations.Least(() => sink += Loop(m, bytes, 100_000)));
        Assert.True(sink > 0);
    }

    private static long Loop(SipMessage m, byte[] bytes, int count)
    {
        long sink = 0;
        for (int i = 0; i < count; i++)
        {
            m.Parse(bytes, 0, bytes.Length);
            sink += m.TopViaBranch.Length + m.FromTag.Length;
            sink += m.GetFirstContact(out NameAddr c) == SipError.None ? c.Instance.Length : 0;
            foreach (ref readonly NameAddr r in m.NameAddrs(HeaderId.Route))
            {
                sink += r.Uri.Length;
            }

            sink += (int)m.Validate();
        }

        return sink;
    }

    private static int Count(SipMessage m, HeaderId id)
    {
        int n = 0;
        foreach (NameAddr unused in m.NameAddrs(id))
        {
            n++;
        }

        return n;
    }

    private static SipMessage Parse(string headers)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(headers + "\r\n");
        var m = new SipMessage();
        Assert.Equal(SipError.None, m.Parse(bytes, 0, bytes.Length));
        return m;
    }

    /// <summary>Every list, enumerated three times (fresh, then from what the message kept) and validated, against Values plus TryParse.</summary>
    private static void AssertListsMatch(string headers)
    {
        foreach (bool validateFirst in new[] { false, true })
        {
            SipMessage m = Parse(Head + headers);
            byte[] bytes = m.Bytes.ToArray();
            SipError expectedValidate = ReferenceValidate(m, bytes, out int expectedOffset);
            if (validateFirst)
            {
                Assert.Equal(expectedValidate, m.Validate());
            }

            foreach (HeaderId id in new[] { HeaderId.Contact, HeaderId.Route, HeaderId.RecordRoute, HeaderId.Path })
            {
                string expected = Reference(m, bytes, id);
                for (int round = 0; round < 3; round++)
                {
                    Assert.Equal(expected, Enumerate(m, bytes, id));
                }
            }

            var fresh = new SipMessage();
            fresh.Parse(bytes, 0, bytes.Length);
            Assert.Equal(expectedValidate, fresh.Validate());
            if (expectedValidate != SipError.None)
            {
                Assert.Equal(expectedOffset, fresh.ErrorOffset);
            }
        }
    }

    private static string Reference(SipMessage m, byte[] bytes, HeaderId id)
    {
        var sb = new StringBuilder();
        foreach (HeaderValue hv in m.Values(id))
        {
            if (!NameAddr.TryParse(bytes.AsSpan(hv.Value.Start, hv.Value.Length), hv.Value.Start, out NameAddr na))
            {
                return sb.Append("FAILED@").Append(hv.HeaderIndex).Append(':').Append(hv.Value).ToString();
            }

            sb.Append(hv.HeaderIndex).Append(' ').Append(Describe(bytes, na)).Append('\n');
        }

        return sb.ToString();
    }

    private static string Enumerate(SipMessage m, byte[] bytes, HeaderId id)
    {
        var sb = new StringBuilder();
        NameAddrEnumerator e = m.NameAddrs(id);
        while (e.MoveNext())
        {
            sb.Append(e.HeaderIndex).Append(' ').Append(Describe(bytes, e.Current)).Append('\n');
        }

        return e.Failed ? sb.Append("FAILED@").Append(e.FailedValue.HeaderIndex).Append(':').Append(e.FailedValue.Value).ToString() : sb.ToString();
    }

    private static SipError ReferenceValidate(SipMessage m, byte[] bytes, out int offset)
    {
        (HeaderId Id, SipError Bad)[] lists =
            [(HeaderId.Contact, SipError.BadContact), (HeaderId.Route, SipError.BadRoute), (HeaderId.RecordRoute, SipError.BadRecordRoute), (HeaderId.Path, SipError.BadPath)];
        foreach ((HeaderId id, SipError bad) in lists)
        {
            foreach (HeaderValue hv in m.Values(id))
            {
                if (!NameAddr.TryParse(bytes.AsSpan(hv.Value.Start, hv.Value.Length), hv.Value.Start, out NameAddr na) || (na.IsStar && id != HeaderId.Contact))
                {
                    offset = hv.Value.Start;
                    return bad;
                }
            }
        }

        offset = 0;
        return SipError.None;
    }

    private static void AssertTopViaMatches(string viaText)
    {
        SipMessage m = Parse($"OPTIONS sip:b@example.com SIP/2.0\r\nVia: {viaText}\r\nVia: SIP/2.0/UDP second\r\nFrom: <sip:a@b>\r\nTo: <sip:b@c>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n");
        byte[] bytes = m.Bytes.ToArray();
        HeaderValueEnumerator values = m.Values(HeaderId.Via);
        Assert.True(values.MoveNext());
        TextRange first = values.Current.Value;
        bool ok = ViaHeader.TryParse(bytes.AsSpan(first.Start, first.Length), first.Start, out ViaHeader expected);
        SipError error = m.GetTopVia(out ViaHeader via);
        Assert.Equal(ok ? SipError.None : SipError.BadVia, error);
        if (ok)
        {
            Assert.Equal(expected, via);
        }
    }

    private static string Describe(byte[] b, NameAddr na) =>
        $"v={na.Value} dn={na.DisplayName} uri={na.Uri} br={na.HasBrackets} star={na.IsStar} p={na.Params} tag={na.Tag} "
        + $"exp={na.Expires} q={na.Q} inst={na.Instance} reg={na.RegId} ue={na.UriEnd} [{(na.Value.IsPresent ? Encoding.ASCII.GetString(b, na.Value.Start, na.Value.Length) : string.Empty)}]";
}
