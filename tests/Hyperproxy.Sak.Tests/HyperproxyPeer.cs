using System.Diagnostics;
using System.Reflection;

namespace Hyperproxy.Sak.Tests;

/// <summary>
/// The Hyperproxy server (`hyperproxy run --listen udp:127.0.0.1:PORT`, or another loopback
/// host) built next to the tests, started on a free port, considered up when it prints
/// "hyperproxy: ready", killed after.
/// </summary>
public class HyperproxyPeer : IDisposable
{
    private const int PortAttempts = 8;

    private readonly Process _process;
    private readonly string? _ownDataDir;

    public HyperproxyPeer()
        : this("127.0.0.1")
    {
    }

    /// <summary>
    /// The server on <paramref name="host"/> ("127.0.0.1", or "[::1]" for IPv6). Other tests bind ports at the
    /// same time: when the free port picked is taken before the server binds it, another one is tried.
    /// </summary>
    protected HyperproxyPeer(string host)
        : this(host, string.Empty)
    {
    }

    /// <summary>The server on <paramref name="host"/> with more <c>run</c> arguments (<c>--config FILE</c>). Without a
    /// <c>--data-dir</c> among them it gets a fresh data folder of its own, removed on dispose (the default one would
    /// be shared with every other test's server, and a registrar would recover their bindings).</summary>
    protected HyperproxyPeer(string host, string extraArguments)
    {
        Host = host;
        if (!extraArguments.Contains("--data-dir", StringComparison.Ordinal))
        {
            _ownDataDir = Path.Combine(Path.GetTempPath(), "hp-sak-data-" + Guid.NewGuid().ToString("N")[..12]);
            extraArguments += " --data-dir " + _ownDataDir;
        }

        string error = "";
        for (int attempt = 0; attempt < PortAttempts; attempt++)
        {
            Port = Peers.FreeFourDigitUdpPort();
            _process = Start(host, Port, extraArguments, out bool ready, out error);
            if (ready)
            {
                return;
            }

            Stop();
            if (!error.Contains("address already in use", StringComparison.Ordinal))
            {
                break;
            }
        }

        throw new InvalidOperationException($"hyperproxy did not print 'hyperproxy: ready' on port {Port}:\n{error}");
    }

    public int Port { get; private set; }

    /// <summary>The listen host as written in a URI.</summary>
    public string Host { get; }

    /// <summary>host:port to give --target or -p.</summary>
    public string HostPort => $"{Host}:{Port}";

    public string Uri(string user = "test") => $"sip:{user}@{Host}:{Port}";

    public void Dispose()
    {
        Stop();
        if (_ownDataDir is not null && Directory.Exists(_ownDataDir))
        {
            Directory.Delete(_ownDataDir, recursive: true);
        }

        GC.SuppressFinalize(this);
    }

    private void Stop() => Peers.Stop(_process);

    /// <summary>Starts the server and waits (bounded) until it is ready or has exited; <paramref name="error"/> is its stderr so far.</summary>
    private static Process Start(string host, int port, string extraArguments, out bool ready, out string error)
    {
        var psi = new ProcessStartInfo(Binary(), $"run --listen udp:{host}:{port} {extraArguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(psi)!;
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data != null && e.Data.StartsWith("hyperproxy: ready", StringComparison.Ordinal))
                up.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        ready = SpinWait.SpinUntil(() => up.Task.IsCompleted || process.HasExited, 30_000) && up.Task.IsCompleted && !process.HasExited;
        if (process.HasExited)
        {
            process.WaitForExit(); // the last stderr lines are read after the exit is seen
        }

        lock (stderr)
        {
            error = stderr.ToString();
        }

        return process;
    }

    private static string Binary() =>
        Binary(AppContext.BaseDirectory, Peers.RepoRoot, TestConfiguration);

    /// <summary>The configuration these tests were built in (Release under ./test.sh).</summary>
    internal static string TestConfiguration =>
        typeof(HyperproxyPeer).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>
    /// The server built in the same configuration as the tests, never another one: a stale Debug binary
    /// left in the tree must not stand in for the Release build being tested (or the reverse).
    /// </summary>
    internal static string Binary(string baseDir, string repoRoot, string configuration)
    {
        string[] candidates =
        [
            // --artifacts-path layout: bin/Hyperproxy.Sak.Tests/release -> bin/Hyperproxy/release
            Path.GetFullPath(Path.Combine(baseDir, "..", "..", "Hyperproxy", configuration.ToLowerInvariant(), "hyperproxy")),
            // classic layout: tests/X/bin/Release/net10.0 -> src/Hyperproxy/bin/Release/net10.0
            Path.Combine(repoRoot, "src", "Hyperproxy", "bin", configuration, "net10.0", "hyperproxy"),
        ];
        foreach (string c in candidates)
        {
            if (File.Exists(c))
                return c;
        }
        throw new FileNotFoundException($"hyperproxy binary ({configuration}) not found next to the tests: " + string.Join(", ", candidates));
    }
}
