using System.Diagnostics;

namespace Hyperproxy.Sak.Tests;

/// <summary>
/// Kamailio 5.6 started for one test class on a free loopback port, with its own pid file and
/// control socket (kamailio -f CFG -DD -E -n 1 -P PIDFILE, as run-bench.sh does), killed after.
/// </summary>
public class KamailioPeer : IDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    /// <summary>
    /// Kamailio on <paramref name="configPath"/> (@PORT@ and @CTL@ filled in). Other tests bind ports at the same
    /// time: when Kamailio does not answer — it exited (its port taken before it bound it), or it runs but another
    /// socket shares the port (Kamailio binds with SO_REUSEADDR, so a peer that picked the same free port binds it too
    /// and may get the datagrams) — it is stopped and another port is tried, four times at most.
    /// </summary>
    public KamailioPeer(string configPath)
    {
        for (int attempt = 0; ; attempt++)
        {
            Port = Peers.FreeUdpPort();
            _dir = Path.Combine(Path.GetTempPath(), "hypersak-kam-" + Environment.ProcessId + "-" + Port);
            _process = Start(configPath, Port, _dir);
            if (Peers.WaitAnswering(Port, 20_000) && !_process.HasExited)
            {
                return;
            }

            bool exited = _process.HasExited;
            Stop();
            if (attempt == 3)
            {
                throw new InvalidOperationException($"kamailio with {configPath} did not answer on port {Port} ({(exited ? "it exited" : "it ran")}; the fourth port tried)");
            }
        }
    }

    public int Port { get; private set; }

    /// <summary>The binrpc control socket (kamcmd -s unix:PATH).</summary>
    public string ControlSocket => Path.Combine(_dir, "ctl.sock");

    public string Uri(string user = "test") => $"sip:{user}@127.0.0.1:{Port}";

    private static Process Start(string configPath, int port, string dir)
    {
        Directory.CreateDirectory(dir);
        string cfg = File.ReadAllText(configPath)
            .Replace("@PORT@", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@CTL@", Path.Combine(dir, "ctl.sock"), StringComparison.Ordinal);
        string cfgPath = Path.Combine(dir, "kamailio.cfg");
        File.WriteAllText(cfgPath, cfg);
        var psi = new ProcessStartInfo("kamailio", $"-f {cfgPath} -DD -E -n 1 -m 64 -P {Path.Combine(dir, "kamailio.pid")}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(psi)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public void Dispose()
    {
        Stop();
        GC.SuppressFinalize(this);
    }

    private void Stop()
    {
        Peers.Stop(_process);
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }

    public static string OptionsConfig => Path.Combine(Peers.RepoRoot, "perf", "kamailio", "options.cfg");

    public static string RegistrarConfig => Path.Combine(Peers.RepoRoot, "perf", "kamailio", "registrar.cfg");

    public static string UsrlocConfig => Path.Combine(Peers.RepoRoot, "tests", "Hyperproxy.Sak.Tests", "kamailio", "usrloc.cfg");
}

/// <summary>Kamailio answering OPTIONS with 200 (perf/kamailio/options.cfg).</summary>
public sealed class OptionsKamailio : KamailioPeer
{
    public OptionsKamailio()
        : base(OptionsConfig)
    {
    }
}

/// <summary>Kamailio registrar that routes requests to registered users (kamailio/usrloc.cfg).</summary>
public sealed class UsrlocKamailio : KamailioPeer
{
    public UsrlocKamailio()
        : base(UsrlocConfig)
    {
    }
}
