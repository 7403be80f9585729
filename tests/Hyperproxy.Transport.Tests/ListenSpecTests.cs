using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Tests;

public class ListenSpecTests
{
    [Theory]
    [InlineData("udp:127.0.0.1:5060", "udp:127.0.0.1:5060")]
    [InlineData("UDP:127.0.0.1:5060", "udp:127.0.0.1:5060")]
    [InlineData("udp:0.0.0.0:5060", "udp:0.0.0.0:5060")]
    [InlineData("udp:[::1]:5060", "udp:[::1]:5060")]
    [InlineData("udp:[::]:5062", "udp:[::]:5062")]
    [InlineData("udp:[2001:DB8::0:1]:5060", "udp:[2001:db8::1]:5060")]
    [InlineData("udp:127.0.0.1:0", "udp:127.0.0.1:0")]
    public void ParseAcceptsNumericAddresses(string text, string canonical)
    {
        ListenSpec spec = ListenSpec.Parse(text);
        Assert.Equal(canonical, spec.ToString());
        Assert.Equal("udp", spec.Protocol);
        Assert.Null(spec.Advertised);
    }

    [Fact]
    public void ParseGivesTheAddressAndPort()
    {
        ListenSpec spec = ListenSpec.Parse("udp:[::1]:5070");
        Assert.Equal(NetAddress.IPv6Loopback(5070), spec.Address);
    }

    [Theory]
    [InlineData("", "listen '': empty; expected udp:ADDR:PORT, e.g. udp:127.0.0.1:5060 or udp:[::1]:5060")]
    [InlineData("127.0.0.1:5060", "listen '127.0.0.1:5060': missing transport; write udp:127.0.0.1:5060")]
    [InlineData("[::1]:5060", "listen '[::1]:5060': missing transport; write udp:[::1]:5060")]
    [InlineData("localhost", "listen 'localhost': missing transport; write udp:localhost")]
    [InlineData("sctp:127.0.0.1:5060", "listen 'sctp:127.0.0.1:5060': transport 'sctp' is not supported (udp, tcp, tls, ws, wss)")]
    [InlineData("tcp:127.0.0.1", "listen 'tcp:127.0.0.1': missing port; write tcp:127.0.0.1:5060")]
    [InlineData("udp:127.0.0.1", "listen 'udp:127.0.0.1': missing port; write udp:127.0.0.1:5060")]
    [InlineData("udp:127.0.0.1:", "listen 'udp:127.0.0.1:': missing port after ':'")]
    [InlineData("udp:127.0.0.1:sip", "listen 'udp:127.0.0.1:sip': port 'sip' is not a number")]
    [InlineData("udp:127.0.0.1:70000", "listen 'udp:127.0.0.1:70000': port 70000 is out of range (0-65535)")]
    [InlineData("udp:127.0.0.1:-1", "listen 'udp:127.0.0.1:-1': port '-1' is not a number")]
    [InlineData("udp::5060", "listen 'udp::5060': missing address; use 0.0.0.0 or [::] for all interfaces")]
    [InlineData("udp:[]:5060", "listen 'udp:[]:5060': missing address; use 0.0.0.0 or [::] for all interfaces")]
    [InlineData("udp:::1:5060", "listen 'udp:::1:5060': an IPv6 address must be in brackets: udp:[::1]:5060")]
    [InlineData("udp:[::1:5060", "listen 'udp:[::1:5060': '[' without ']'; write IPv6 as udp:[::1]:5060")]
    [InlineData("udp:[::1]", "listen 'udp:[::1]': missing port after the address; write udp:[::1]:5060")]
    [InlineData("udp:[::1]5060", "listen 'udp:[::1]5060': unexpected '5060' after '[::1]'; expected :PORT")]
    [InlineData("udp:[::g]:5060", "listen 'udp:[::g]:5060': '[::g]' is not a numeric IPv6 address")]
    [InlineData("udp:localhost:5060",
        "listen 'udp:localhost:5060': 'localhost' is not a numeric IPv4 address (IPv6 goes in brackets; "
        + "host names are not allowed here, use --advertise for a name)")]
    [InlineData("udp:256.0.0.1:5060",
        "listen 'udp:256.0.0.1:5060': '256.0.0.1' is not a numeric IPv4 address (IPv6 goes in brackets; "
        + "host names are not allowed here, use --advertise for a name)")]
    public void ParseExplainsWhatIsWrong(string text, string message)
    {
        Assert.False(ListenSpec.TryParse(text, out _, out string? error));
        Assert.Equal(message, error);
        TransportException e = Assert.Throws<TransportException>(() => ListenSpec.Parse(text));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("sip.example.com", "sip.example.com", 5060)]
    [InlineData("sip.example.com:5080", "sip.example.com", 5080)]
    [InlineData("192.0.2.1", "192.0.2.1", 5060)]
    [InlineData("192.0.2.1:6000", "192.0.2.1", 6000)]
    [InlineData("[2001:db8::1]:5070", "[2001:db8::1]", 5070)]
    [InlineData("[2001:db8::1]", "[2001:db8::1]", 5060)]
    [InlineData("2001:db8::1", "[2001:db8::1]", 5060)]
    public void AdvertiseAcceptsNamesAndAddresses(string text, string host, int port)
    {
        ListenSpec spec = ListenSpec.Parse("udp:0.0.0.0:5060").WithAdvertise(text);
        Assert.NotNull(spec.Advertised);
        Assert.Equal(host, spec.Advertised.Host);
        Assert.Equal(port, spec.Advertised.Port);
        Assert.Equal(host, System.Text.Encoding.ASCII.GetString(spec.Advertised.HostUtf8));
        Assert.Equal(NetAddress.FromIPv4(0, 0, 0, 0, 5060), spec.Address);
    }

    [Theory]
    [InlineData("", "advertise '': empty; expected HOST or HOST:PORT")]
    [InlineData("sip.example.com:x", "advertise 'sip.example.com:x': port 'x' is not a number")]
    [InlineData("sip.example.com:99999", "advertise 'sip.example.com:99999': port 99999 is out of range (0-65535)")]
    [InlineData("sip.example.com:0", "advertise 'sip.example.com:0': port 0 cannot be advertised")]
    [InlineData("[2001:db8::1", "advertise '[2001:db8::1': '[' without ']'")]
    [InlineData("[zz::1]:5060", "advertise '[zz::1]:5060': '[zz::1]' is not a numeric IPv6 address")]
    [InlineData("2001:db8::1:5060:x", "advertise '2001:db8::1:5060:x': not an IPv6 address; write IPv6 with a port as [ADDR]:PORT")]
    [InlineData("bad_host:5060", "advertise 'bad_host:5060': 'bad_host' is not a valid host name or IPv4 address")]
    [InlineData("a..b", "advertise 'a..b': 'a..b' is not a valid host name or IPv4 address")]
    public void AdvertiseExplainsWhatIsWrong(string text, string message)
    {
        TransportException e = Assert.Throws<TransportException>(() => AdvertisedAddress.Parse(text, 5060));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void AdvertisedAddressFromABoundAddressUsesItsNumericHost()
    {
        AdvertisedAddress advertised = AdvertisedAddress.FromAddress(NetAddress.IPv6Loopback(5060));
        Assert.Equal("[::1]", advertised.Host);
        Assert.Equal(5060, advertised.Port);
        Assert.Equal("[::1]:5060", advertised.ToString());
    }
}
