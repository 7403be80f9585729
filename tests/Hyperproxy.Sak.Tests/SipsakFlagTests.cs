using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Sak.Cli;

namespace Hyperproxy.Sak.Tests;

/// <summary>
/// sipsak's -d -i -n -w -A -G -L -S -z: each one either does what sipsak does or is refused with its
/// reason, and --help says which.
/// </summary>
public sealed class SipsakFlagTests
{
    [Fact]
    public void NoViaSendsTheRequestWithoutAVia()
    {
        string request = FirstRequestSentWith("-i");
        Assert.StartsWith("OPTIONS sip:", request, StringComparison.Ordinal);
        Assert.DoesNotContain("\r\nVia:", request, StringComparison.Ordinal);
        Assert.Contains("\r\nCall-ID:", request, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutNoViaTheRequestCarriesOurVia() =>
        Assert.Contains("\r\nVia: SIP/2.0/UDP 127.0.0.1:", FirstRequestSentWith(), StringComparison.Ordinal);

    [Fact]
    public void NumericPutsThisMachinesFullyQualifiedNameInOurVia()
    {
        string fqdn;
        try
        {
            fqdn = Dns.GetHostEntry(Dns.GetHostName()).HostName;
        }
        catch (SocketException)
        {
            fqdn = Dns.GetHostName();
        }

        string request = FirstRequestSentWith("-n");
        Assert.Contains($"\r\nVia: SIP/2.0/UDP {fqdn}:", request, StringComparison.Ordinal);
        Assert.Contains("\r\nFrom: <sip:hypersak@127.0.0.1:", request, StringComparison.Ordinal); // only the Via changes
    }

    [Theory]
    [InlineData("-d")]
    [InlineData("--ignore-redirects")]
    [InlineData("-S")]
    [InlineData("--symmetric")]
    public void IgnoreRedirectsAndSymmetricAreAcceptedBecauseHypersakAlwaysBehavesSo(string flag)
    {
        SakOptions o = OptionParser.Parse([flag, "-s", "sip:a@127.0.0.1"]);
        Assert.Equal(SakMode.Ping, o.Mode);
        Assert.Contains("redirects are never followed", Usage.Main, StringComparison.Ordinal);
        Assert.Contains("one port", Usage.Main, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "-A", "3" }, "-A (repeated runs printing only timings)")]
    [InlineData(new[] { "-A3" }, "-A (repeated runs printing only timings)")]
    [InlineData(new[] { "-z", "50" }, "-z (removing bindings at random")]
    [InlineData(new[] { "-w" }, "-w (extracting the IP")]
    [InlineData(new[] { "-G" }, "-G works on a request read from a file (-f)")]
    [InlineData(new[] { "-L" }, "-L works on a request read from a file (-f)")]
    [InlineData(new[] { "--timing", "3" }, "-A (repeated runs")]
    [InlineData(new[] { "--no-crlf" }, "-L works on a request read from a file")]
    public void FlagsHypersakCannotHonourAreRefusedWithTheirReasonAndExitTwo(string[] flag, string reason)
    {
        var (code, output, error) = Peers.Sak([.. flag, "-s", "sip:a@127.0.0.1"]);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("hypersak: option -", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Contains("not supported", error, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpSaysWhichSipsakFlagsAreHonouredAndWhichAreRefused()
    {
        var (code, output, _) = Peers.Sak("--help");
        Assert.Equal(0, code);
        foreach (string line in new[] { "-i   ", "-n   ", "-d, -S", "-A, -z, -w, -G, -L" })
        {
            Assert.Contains(line, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void NoViaAndNumericAreParsedIntoTheirOptions()
    {
        SakOptions o = OptionParser.Parse(["-in", "-s", "sip:a@127.0.0.1"]);
        Assert.True(o.NoVia);
        Assert.True(o.FqdnInVia);
        Assert.False(OptionParser.Parse(["-s", "sip:a@127.0.0.1"]).NoVia);
    }

    /// <summary>Runs hypersak (ping, short timers) against a socket that never answers and returns the first datagram it sent.</summary>
    private static string FirstRequestSentWith(params string[] flags)
    {
        using var sink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)sink.LocalEndPoint!).Port;
        var (code, _, error) = Peers.Sak([.. flags, "-Z", "20", "-D", "2", "-s", $"sip:a@127.0.0.1:{port}"]);
        Assert.True(code == 3, $"exit {code}: {error}"); // no answer: remote error, as sipsak
        Assert.True(sink.Poll(10_000_000, SelectMode.SelectRead), "hypersak sent nothing");
        byte[] buffer = new byte[65536];
        int n = sink.Receive(buffer);
        return Encoding.ASCII.GetString(buffer, 0, n);
    }
}
