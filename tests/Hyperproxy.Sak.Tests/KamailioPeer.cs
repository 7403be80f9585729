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

    public KamailioPeer(string configPath)
    {
        Port = Peers.FreeUdpPort();
        _dir = Path.Combine(Path.GetTempPath(), "hypersak-kam-" + Environment.ProcessId + "-" + Port);
        Directory.CreateDirectory(_dir);
        string cfg = File.ReadAllText(configPath)
            .Replace("@PORT@", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@CTL@", Path.Combine(_dir, "ctl.sock"), StringComparison.Ordinal);
        string cfgPath = Path.Combine(_dir, "kamailio.cfg");
        File.WriteAllText(cfgPath, cfg);
        var psi = new ProcessStartInfo("kamailio", $"-f {cfgPath} -DD -E -n 1 -m 64 -P {Path.Combine(_dir, "kamailio.pid")}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(psi)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (!Peers.WaitAnswering(Port))
        {
            Stop();
            throw new InvalidOperationException($"kamailio with {configPath} did not answer on port {Port}");
        }
    }

    public int Port { get; }

    /// <summary>The binrpc control socket (kamcmd -s unix:PATH).</summary>
    public string ControlSocket => Path.Combine(_dir, "ctl.sock");

    public string Uri(string user = "test") => $"sip:{user}@127.0.0.1:{Port}";

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
