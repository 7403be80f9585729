using System.Globalization;
using System.Text.Json;

namespace Hyperproxy.Sak.Tests;

/// <summary>
/// run-bench.sh's register-auth and flood peers: a 1000-user db_text subscriber table, Hyperproxy with
/// perf/hyperproxy/register-auth.cfg and Kamailio 5.6 with perf/kamailio/register-auth.cfg and
/// register-auth-htable.cfg over it, Hyperproxy with perf/hyperproxy/flood.cfg (pike).
/// </summary>
public sealed class AuthBenchPeers : IDisposable
{
    public AuthBenchPeers()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("hp-authbench-").FullName;
        using (var w = new StreamWriter(Path.Combine(Directory, "subscriber")))
        {
            w.Write("id(int,auto) username(string) domain(string) password(string) ha1(string) ha1b(string)\n");
            for (int i = 0; i < 1000; i++)
            {
                w.Write(string.Create(CultureInfo.InvariantCulture, $"{i + 1}:u{i:D8}:127.0.0.1:secret:x:x\n"));
            }
        }

        using (var w = new StreamWriter(Path.Combine(Directory, "htable")))
        {
            w.Write("id(int,auto) key_name(string) key_type(int) value_type(int) key_value(string) expires(int)\n");
            for (int i = 0; i < 1000; i++)
            {
                w.Write(string.Create(CultureInfo.InvariantCulture, $"{i + 1}:u{i:D8}:0:0:secret:0\n"));
            }
        }

        File.WriteAllText(Path.Combine(Directory, "version"), "table_name(string) table_version(int)\nsubscriber:7\nlocation:9\nhtable:2\n");
        Kamailio = new KamailioPeer(Template("register-auth.cfg"));
        KamailioHtable = new KamailioPeer(Template("register-auth-htable.cfg"));
        // the peer passes --listen itself: the template's socket line goes
        string hyperproxy = Path.Combine(Directory, "hyperproxy-register-auth.cfg");
        File.WriteAllText(hyperproxy, File.ReadAllText(Path.Combine(Peers.RepoRoot, "perf", "hyperproxy", "register-auth.cfg"))
            .Replace("socket=udp:127.0.0.1:@PORT@", string.Empty, StringComparison.Ordinal)
            .Replace("@DB@", Directory, StringComparison.Ordinal));
        Hyperproxy = new OwnStorePeer(hyperproxy, System.IO.Directory.CreateDirectory(Path.Combine(Directory, "location")).FullName);
        Flood = new ScriptedHyperproxyPeer(Path.Combine(Peers.RepoRoot, "perf", "hyperproxy", "flood.cfg"));
    }

    public string Directory { get; }

    public KamailioPeer Kamailio { get; }

    public KamailioPeer KamailioHtable { get; }

    public HyperproxyPeer Hyperproxy { get; }

    public HyperproxyPeer Flood { get; }

    public void Dispose()
    {
        Kamailio.Dispose();
        KamailioHtable.Dispose();
        Hyperproxy.Dispose();
        Flood.Dispose();
        System.IO.Directory.Delete(Directory, true);
    }

    /// <summary>A perf/kamailio template with this fixture's db_text directory filled in (the peer fills in the rest).</summary>
    private string Template(string name)
    {
        string path = Path.Combine(Directory, "kamailio-" + name);
        File.WriteAllText(path, File.ReadAllText(Path.Combine(Peers.RepoRoot, "perf", "kamailio", name)).Replace("@DB@", Directory, StringComparison.Ordinal));
        return path;
    }
}

/// <summary>
/// udpgen's register-auth scenario computes digest responses both registrars accept, and its flood scenario accounts
/// for every request of the second source. Outcomes only, no figures.
/// </summary>
public sealed class UdpgenAuthTests(AuthBenchPeers peers) : IClassFixture<AuthBenchPeers>
{
    [Fact]
    public void EveryChallengedRegisterIsAcceptedByHyperproxyWithTheComputedCredentials() =>
        AssertAllAuthorized(peers.Hyperproxy.Port);

    [Fact]
    public void EveryChallengedRegisterIsAcceptedByKamailioWithTheComputedCredentials() =>
        AssertAllAuthorized(peers.Kamailio.Port);

    [Fact]
    public void EveryChallengedRegisterIsAcceptedByKamailioWithItsCredentialsInAnHtable() =>
        AssertAllAuthorized(peers.KamailioHtable.Port);

    [Fact]
    public void FloodAccountsForEveryRequestOfTheSecondSource()
    {
        JsonElement r = Udpgen.Run("-s", "flood", "-t", $"127.0.0.1:{peers.Flood.Port}", "--second-local", "127.0.0.2",
            "-W", "0.2", "-d", "0.5", "-T", "2000", "--drain-ms", "2500");

        long sent = r.GetProperty("second_sent").GetInt64();
        long answered = r.GetProperty("second_answered").GetInt64();
        Assert.True(sent > 0, r.ToString());
        Assert.True(answered + r.GetProperty("second_timeouts").GetInt64() <= sent, r.ToString());
        Assert.Equal(r.GetProperty("second_ok").GetInt64(), answered);
        Assert.True(r.GetProperty("by_class").GetProperty("2xx").GetInt64() > 0, "pike lets a source through before it blocks it: " + r);
    }

    private static void AssertAllAuthorized(int port)
    {
        JsonElement r = Udpgen.Run("-s", "register-auth", "-t", $"127.0.0.1:{port}", "-u", "1000", "-w", "8", "-W", "2", "-d", "1",
            "-T", "20000", "--drain-ms", "5000", "--no-busy");

        long pairs = r.GetProperty("received").GetInt64();
        Assert.True(pairs > 0, r.ToString());
        Assert.True(pairs == r.GetProperty("by_class").GetProperty("2xx").GetInt64(), r.ToString());
        Assert.True(r.GetProperty("challenges").GetInt64() >= pairs, r.ToString());
        foreach (string zero in new[] { "timeouts", "unanswered_at_end", "unmatched", "send_errors", "write_errors" })
        {
            Assert.True(r.GetProperty(zero).GetInt64() == 0, zero + ": " + r);
        }
    }
}
