using System.Diagnostics;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// Kamailio 5.6 (the Debian package) as a peer on 127.0.0.1: started in the foreground with its own
/// pid file and ctl socket (<c>kamailio -f CFG -DD -E -n 1 -P PIDFILE -m 64</c>), ready when
/// <c>kamcmd</c> answers on that socket; <see cref="Rpc"/> runs one kamcmd command.
/// </summary>
internal sealed class KamailioPeer : IDisposable
{
    /// <summary>
    /// How every config for this peer starts: one foreground UDP listener on 127.0.0.1:@PORT@ (no TCP, no
    /// DNS), the module path, the core modules (kex, corex, pv, tm, sl, rr, siputils, maxfwd) and ctl on
    /// @CTL@. A config adds its own modules, their modparams and its request_route.
    /// </summary>
    public const string ConfigHead = """
        #!KAMAILIO
        debug=2
        log_stderror=yes
        fork=yes
        children=1
        disable_tcp=yes
        dns=no
        rev_dns=no
        auto_aliases=no
        listen=udp:127.0.0.1:@PORT@

        mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
        loadmodule "kex.so"
        loadmodule "corex.so"
        loadmodule "pv.so"
        loadmodule "tm.so"
        loadmodule "sl.so"
        loadmodule "rr.so"
        loadmodule "siputils.so"
        loadmodule "maxfwd.so"
        loadmodule "ctl.so"
        modparam("ctl", "binrpc", "unix:@CTL@")

        """;

    private const int StartMilliseconds = 15_000;

    private readonly PeerProcess _process;

    private KamailioPeer(PeerProcess process, int port, string controlSocket)
    {
        _process = process;
        Port = port;
        ControlSocket = controlSocket;
    }

    public int Port { get; }

    /// <summary>The ctl module's binrpc socket (a unix socket path).</summary>
    public string ControlSocket { get; }

    /// <summary>Kamailio's own log (stderr) so far.</summary>
    public string Output => _process.Output;

    /// <summary>Waits (bounded) until Kamailio's log holds <paramref name="text"/>; see <see cref="PeerProcess.WaitForOutput"/>.</summary>
    public bool WaitForOutput(string text, int milliseconds) => _process.WaitForOutput(text, milliseconds);

    /// <summary>
    /// Starts Kamailio with <paramref name="configTemplate"/>, in which <c>@PORT@</c> becomes a free
    /// UDP port and <c>@CTL@</c> the ctl socket path; tries a few ports when one was taken meanwhile.
    /// </summary>
    public static KamailioPeer Start(string configTemplate, string directory)
    {
        string failures = "";
        for (int attempt = 0; attempt < 5; attempt++)
        {
            int port = PeerProcess.FreeUdpPort();
            string control = Path.Combine(directory, $"kam-{port}.ctl");
            string config = Path.Combine(directory, $"kamailio-{port}.cfg");
            File.WriteAllText(config, configTemplate.Replace("@PORT@", port.ToString()).Replace("@CTL@", control));
            var process = new PeerProcess("kamailio",
                ["-f", config, "-DD", "-E", "-n", "1", "-P", Path.Combine(directory, $"kamailio-{port}.pid"), "-m", "64"], directory);
            var peer = new KamailioPeer(process, port, control);
            if (peer.WaitReady())
            {
                return peer;
            }

            failures += $"attempt {attempt} (port {port}):\n{process.Output}\n";
            peer.Dispose();
        }

        throw new InvalidOperationException("Kamailio did not start:\n" + failures);
    }

    /// <summary>Runs <c>kamcmd -s unix:CTL ARGS</c>; its exit code and output (bounded to 10 s).</summary>
    public (int Exit, string Output) Rpc(params string[] arguments)
    {
        using var kamcmd = new PeerProcess("kamcmd", ["-s", "unix:" + ControlSocket, .. arguments]);
        int exit = kamcmd.WaitForExit(10_000);
        return (exit, kamcmd.Output);
    }

    public void Dispose() => _process.Dispose();

    /// <summary>True once kamcmd gets an answer; false when Kamailio exited or the time ran out.</summary>
    private bool WaitReady()
    {
        var clock = Stopwatch.StartNew();
        for (int tries = 0; tries < 100 && clock.ElapsedMilliseconds < StartMilliseconds; tries++)
        {
            TimeSpan left = TimeSpan.FromMilliseconds(Math.Max(0, StartMilliseconds - clock.ElapsedMilliseconds));
            SpinWait.SpinUntil(() => _process.HasExited || File.Exists(ControlSocket), left);
            if (_process.HasExited)
            {
                return false;
            }

            if (File.Exists(ControlSocket) && Rpc("core.version").Exit == 0)
            {
                return true;
            }
        }

        return false;
    }
}
