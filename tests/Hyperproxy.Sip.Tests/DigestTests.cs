using System.Text;
using Hyperproxy.Sip.Auth;

namespace Hyperproxy.Sip.Tests;

public class DigestTests
{
    [Fact]
    public void ResponseMatchesTheRfc2617Example()
    {
        var hex = new byte[32];
        DigestCalculator.Response("Mufasa"u8, "testrealm@host.com"u8, "Circle Of Life"u8, "GET"u8, "/dir/index.html"u8,
            "dcd98b7102dd2f0e8b11d0f600bfb0c093"u8, "00000001"u8, "0a4f113b"u8, "auth"u8, hex);
        Assert.Equal("6629fae49393a05397450978507c4ef1", Encoding.ASCII.GetString(hex));
        Assert.True(DigestCalculator.Matches("6629FAE49393A05397450978507C4EF1"u8, hex));
        Assert.False(DigestCalculator.Matches("6629fae49393a05397450978507c4ef2"u8, hex));
    }

    [Fact]
    public void Ha1AndResponseWithoutQopFollowRfc2069()
    {
        var ha1 = new byte[32];
        DigestCalculator.Ha1("Mufasa"u8, "testrealm@host.com"u8, "Circle Of Life"u8, ha1);
        Assert.Equal("939e7578ed9e3c518a452acee763bce9", Encoding.ASCII.GetString(ha1));
        var ha2 = new byte[32];
        DigestCalculator.Ha2("GET"u8, "/dir/index.html"u8, ha2);
        Assert.Equal("39aff3a2bab6126f332b942af96d3366", Encoding.ASCII.GetString(ha2));
        var r = new byte[32];
        DigestCalculator.Response(ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093"u8, default, default, default, ha2, r);
        Assert.Equal("670fd8c2df070c60b045671b8b24ff02", Encoding.ASCII.GetString(r));
    }

    [Fact]
    public void LongInputsGoThroughThePooledBuffer()
    {
        var a = new byte[32];
        var b = new byte[32];
        byte[] longUser = Encoding.ASCII.GetBytes(new string('u', 3000));
        DigestCalculator.Ha1(longUser, "r"u8, "p"u8, a);
        DigestCalculator.Ha1(longUser, "r"u8, "p"u8, b);
        Assert.Equal(a, b);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.ASCII.GetBytes(new string('u', 3000) + ":r:p"))), Encoding.ASCII.GetString(a));
    }
}
