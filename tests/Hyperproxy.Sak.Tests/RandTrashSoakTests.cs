using System.Globalization;
using System.Text.RegularExpressions;

namespace Hyperproxy.Sak.Tests;

/// <summary>
/// The bounded randtrash soak (perf/randtrash.sh runs 10M): <c>hypersak -R -e 200000</c> against the real server with
/// a registrar script; the server must still answer, count no handler fault, and have answered what it could parse.
/// </summary>
public sealed partial class RandTrashSoakTests
{
    private const int Datagrams = 200_000;

    [Fact]
    public void TwoHundredThousandTrashedDatagramsLeaveTheRegistrarAnsweringWithoutFaults()
    {
        // its own location folder, durability none: the trashed REGISTERs must not write into the default data folder
        // other servers of this test run recover from
        string data = Directory.CreateTempSubdirectory("hp-randtrash-").FullName;
        try
        {
            Soak(data);
        }
        finally
        {
            Directory.Delete(data, true);
        }
    }

    private static void Soak(string data)
    {
        using var server = new OwnStorePeer(Path.Combine(Peers.RepoRoot, "tests", "Hyperproxy.Sak.Tests", "hyperproxy", "randtrash-registrar.cfg"), data);

        var (code, output, error) = Peers.Sak("-R", "-e", Datagrams.ToString(CultureInfo.InvariantCulture), "--seed", "4475", "-s", server.Uri("trash"));

        Assert.True(code == 0, output + error);
        Assert.True(output.Contains($"randtrash: sent {Datagrams} datagrams", StringComparison.Ordinal), output);
        Assert.True(output.Contains("randtrash: the server still answers a clean OPTIONS: SIP/2.0 ", StringComparison.Ordinal), output);
        Match answers = AnswersLine().Match(output);
        Assert.True(answers.Success, output);
        long ok = long.Parse(answers.Groups[1].Value, CultureInfo.InvariantCulture);
        long bad = long.Parse(answers.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.True(ok > 0 && bad > 0, "both saved REGISTERs (2xx) and rejected ones (4xx) expected:\n" + output);

        var (_, faults, _) = Peers.Sak("-vv", "-s", $"sip:faults@127.0.0.1:{server.Port}");
        Match counters = FaultsHeader().Match(faults);
        Assert.True(counters.Success, "no X-Faults header in the answer:\n" + faults);
        Assert.Equal("0", counters.Groups[1].Value); // core:datagram_faults
        Assert.Equal("0", counters.Groups[2].Value); // net:handler_faults
    }

    [GeneratedRegex(@"answers: 1xx \d+, 2xx (\d+), 3xx \d+, 4xx (\d+),")]
    private static partial Regex AnswersLine();

    [GeneratedRegex(@"X-Faults: (\d+) (\d+)")]
    private static partial Regex FaultsHeader();
}

/// <summary>A scripted server with durability none and a location folder of its own.</summary>
public sealed class OwnStorePeer(string config, string dataDir)
    : HyperproxyPeer("127.0.0.1", $"--config {config} --durability none --data-dir {dataDir}");
