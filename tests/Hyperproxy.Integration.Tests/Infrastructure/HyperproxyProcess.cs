using System.Diagnostics;
using System.Text;

namespace Hyperproxy.Integration.Tests.Infrastructure;

/// <summary>
/// The real server: <c>dotnet hyperproxy.dll run ...</c> as a child process. <see cref="StartAsync"/>
/// returns once the "ready" line is printed (every socket bound); <see cref="StopAsync"/> sends
/// SIGTERM and waits for the exit, killing hard only when the bound passes.
/// </summary>
internal sealed class HyperproxyProcess : IAsyncDisposable
{
    public static readonly TimeSpan ReadyBound = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan StopBound = TimeSpan.FromSeconds(10);
    private const int PortAttempts = 8;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _ownDataDir;
    private int? _exitCode;

    private HyperproxyProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>Where the server assembly sits: next to the tests, copied by the project reference.</summary>
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "hyperproxy.dll");

    /// <summary>The UDP port of every --listen (the same port on 127.0.0.1 and ::1).</summary>
    public int Port { get; }

    public int ProcessId => _process.Id;

    public string ReadyLine => _ready.Task.IsCompletedSuccessfully ? _ready.Task.Result : "";

    public string StandardOutput => ToolRun.Read(_output);

    public string StandardError => ToolRun.Read(_error);

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts the server on a free port in 7000-9999 on 127.0.0.1 (and [::1] when <paramref name="ipv6"/>),
    /// picking another port when the chosen one was taken in the meantime.
    /// </summary>
    public static Task<HyperproxyProcess> StartOnFreePortAsync(bool ipv6 = false, int workers = 1, params string[] extra) =>
        StartOnFreePortAsync(port =>
        {
            var args = new List<string> { "--listen", $"udp:127.0.0.1:{port}" };
            if (ipv6)
            {
                args.Add("--listen");
                args.Add($"udp:[::1]:{port}");
            }

            args.Add("--workers");
            args.Add(workers.ToString(System.Globalization.CultureInfo.InvariantCulture));
            args.AddRange(extra);
            return Task.FromResult<IReadOnlyList<string>?>(args);
        });

    /// <summary>
    /// Starts <c>hyperproxy run</c> with the arguments <paramref name="argumentsFor"/> gives for a free UDP port (null: try
    /// another port), picking another port when the chosen one was taken before the server bound it.
    /// </summary>
    public static async Task<HyperproxyProcess> StartOnFreePortAsync(Func<int, Task<IReadOnlyList<string>?>> argumentsFor)
    {
        string last = "";
        for (int attempt = 0; attempt < PortAttempts; attempt++)
        {
            int port = Ports.FreeUdpPort();
            if (await argumentsFor(port) is not { } args)
            {
                continue;
            }

            HyperproxyProcess server = await StartAsync(port, args);
            if (await server.WaitReadyAsync())
            {
                return server;
            }

            last = server.StandardError + server.StandardOutput;
            await server.DisposeAsync();
            if (!last.Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                break;
            }
        }

        throw new InvalidOperationException("hyperproxy did not become ready:\n" + last);
    }

    /// <summary>
    /// Starts <c>hyperproxy run ARGS</c> without waiting; <paramref name="port"/> is recorded only. Without a
    /// <c>--data-dir</c> in the arguments the server gets a fresh data folder of its own, removed when it is
    /// disposed: the default one (<c>data</c> next to the tests) would be shared by every server of every test, and
    /// a registrar would recover bindings other tests left there.
    /// </summary>
    public static Task<HyperproxyProcess> StartAsync(int port, IReadOnlyList<string> runArguments)
    {
        string? ownDataDir = null;
        if (!runArguments.Contains("--data-dir"))
        {
            ownDataDir = Path.Combine(Path.GetTempPath(), "hp-data-" + Guid.NewGuid().ToString("N")[..12]);
            runArguments = [.. runArguments, "--data-dir", ownDataDir];
        }

        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(DllPath);
        info.ArgumentList.Add("run");
        foreach (string a in runArguments)
        {
            info.ArgumentList.Add(a);
        }

        var server = new HyperproxyProcess(new Process { StartInfo = info, EnableRaisingEvents = true }, port) { _ownDataDir = ownDataDir };
        server._process.OutputDataReceived += (_, e) => server.OnOutput(e.Data);
        server._process.ErrorDataReceived += (_, e) => ToolRun.Append(server._error, e.Data);
        server._process.Exited += (_, _) => server._ready.TrySetException(new InvalidOperationException("hyperproxy exited before it was ready"));
        server._process.Start();
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        return Task.FromResult(server);
    }

    /// <summary>True once the ready line is out; false when the process exited first or the bound passed.</summary>
    public async Task<bool> WaitReadyAsync()
    {
        try
        {
            await _ready.Task.WaitAsync(ReadyBound);
            return true;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            if (!_process.HasExited)
            {
                return false;
            }

            // Drain stderr so the caller sees why it exited.
            await _process.WaitForExitAsync().WaitAsync(StopBound);
            return false;
        }
    }

    /// <summary>Sends SIGTERM and waits for the exit; returns the exit code (-1 when it had to be killed).</summary>
    public async Task<int> StopAsync(int signal = Posix.SigTerm)
    {
        if (_exitCode is int done)
        {
            return done;
        }

        if (!_process.HasExited)
        {
            Posix.Signal(_process.Id, signal);
        }

        try
        {
            await _process.WaitForExitAsync().WaitAsync(StopBound);
            _exitCode = _process.ExitCode;
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
            _exitCode = -1;
        }

        return _exitCode.Value;
    }

    /// <summary>Stops the server and reads the counters it logs on the way out.</summary>
    public async Task<ServerCounters> StopAndReadCountersAsync()
    {
        int exit = await StopAsync();
        Assert.True(exit == 0, $"hyperproxy exit code {exit}\n{StandardError}");
        return ServerCounters.Parse(StandardError);
    }

    /// <summary>Stops the server (exit code 0 asserted) and returns its log (standard error).</summary>
    public async Task<string> StopAndReadLogAsync()
    {
        int exit = await StopAsync();
        Assert.True(exit == 0, $"hyperproxy exit code {exit}\n{StandardError}");
        return StandardError;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        if (_ownDataDir is not null && Directory.Exists(_ownDataDir))
        {
            Directory.Delete(_ownDataDir, recursive: true);
        }
    }

    public override string ToString() => $"hyperproxy pid {_process.Id} port {Port}\n--- stdout\n{StandardOutput}--- stderr\n{StandardError}";

    private void OnOutput(string? line)
    {
        ToolRun.Append(_output, line);
        if (line is not null && line.StartsWith("hyperproxy: ready", StringComparison.Ordinal))
        {
            _ready.TrySetResult(line);
        }
    }
}
