using System.Diagnostics;

namespace Hyperproxy.Sak.Tests;

/// <summary>
/// The Hyperproxy server (`hyperproxy run --listen udp:127.0.0.1:PORT`, or another loopback
/// host) built next to the tests, started on a free port, considered up when it prints
/// "hyperproxy: ready", killed after.
/// </summary>
public class HyperproxyPeer : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HyperproxyPeer()
        : this("127.0.0.1")
    {
    }

    /// <summary>The server on <paramref name="host"/> ("127.0.0.1", or "[::1]" for IPv6).</summary>
    protected HyperproxyPeer(string host)
    {
        Host = host;
        Port = Peers.FreeFourDigitUdpPort();
        var psi = new ProcessStartInfo(Binary(), $"run --listen udp:{host}:{Port}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data != null && e.Data.StartsWith("hyperproxy: ready", StringComparison.Ordinal))
                _ready.TrySetResult();
        };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (!_ready.Task.Wait(30_000))
        {
            Stop();
            throw new InvalidOperationException($"hyperproxy did not print 'hyperproxy: ready' on port {Port}");
        }
    }

    public int Port { get; }

    /// <summary>The listen host as written in a URI.</summary>
    public string Host { get; }

    /// <summary>host:port to give --target or -p.</summary>
    public string HostPort => $"{Host}:{Port}";

    public string Uri(string user = "test") => $"sip:{user}@{Host}:{Port}";

    public void Dispose()
    {
        Stop();
        GC.SuppressFinalize(this);
    }

    private void Stop() => Peers.Stop(_process);

    private static string Binary()
    {
        string baseDir = AppContext.BaseDirectory;
        string[] candidates =
        [
            // --artifacts-path layout: bin/Hyperproxy.Sak.Tests/debug -> bin/Hyperproxy/debug
            Path.GetFullPath(Path.Combine(baseDir, "..", "..", "Hyperproxy", new DirectoryInfo(baseDir).Name, "hyperproxy")),
            Path.GetFullPath(Path.Combine(baseDir, "..", "..", "Hyperproxy", "debug", "hyperproxy")),
            Path.GetFullPath(Path.Combine(baseDir, "..", "..", "Hyperproxy", "release", "hyperproxy")),
            // classic layout: tests/X/bin/Debug/net10.0 -> src/Hyperproxy/bin/Debug/net10.0
            Path.Combine(Peers.RepoRoot, "src", "Hyperproxy", "bin", "Debug", "net10.0", "hyperproxy"),
            Path.Combine(Peers.RepoRoot, "src", "Hyperproxy", "bin", "Release", "net10.0", "hyperproxy"),
        ];
        foreach (string c in candidates)
        {
            if (File.Exists(c))
                return c;
        }
        throw new FileNotFoundException("hyperproxy binary not found next to the tests: " + string.Join(", ", candidates));
    }
}
