using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hyperproxy.Tests.Shared;

/// <summary>
/// A real redis-server (Debian's) started by a test on a free loopback TCP port, in a temporary folder,
/// with no persistence (<c>--save '' --appendonly no</c>), and stopped by its PID. Ports come from
/// 20000-29999 (a Cluster node's bus port is +10000) at random and are proved free first, since other
/// test projects run at the same time. <see cref="StartCluster"/> makes a 3-primary Redis Cluster.
/// </summary>
internal sealed class RedisServer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private readonly string _directory;
    private readonly bool _cluster;
    private readonly string[] _extra;
    private Process? _process;

    private RedisServer(int port, string directory, bool cluster, string[] extra)
    {
        Port = port;
        _directory = directory;
        _cluster = cluster;
        _extra = extra;
    }

    public int Port { get; }

    /// <summary>redis://127.0.0.1:PORT/</summary>
    public string Url => $"redis://127.0.0.1:{Port}/";

    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>Starts one standalone server.</summary>
    public static RedisServer Start() => StartOne(cluster: false, []);

    /// <summary>Starts a replica of <paramref name="primary"/> (<c>--replicaof</c>) and waits until its link is up and it has synced.</summary>
    public static RedisServer StartReplicaOf(RedisServer primary)
    {
        RedisServer replica = StartOne(cluster: false, ["--replicaof", "127.0.0.1", primary.Port.ToString()]);
        WaitFor(() => replica.Command("INFO replication").Contains("master_link_status:up", StringComparison.Ordinal), "the replica's link to its primary");
        return replica;
    }

    /// <summary>
    /// Starts 3 primaries (and, with <paramref name="replicas"/>, one replica each: 6 nodes) and joins them into one
    /// Cluster (every slot covered); <paramref name="appendOnly"/> gives every node <c>appendonly yes</c>.
    /// The primaries come first in the array.
    /// </summary>
    public static RedisServer[] StartCluster(bool replicas = false, bool appendOnly = false)
    {
        var nodes = new RedisServer[replicas ? 6 : 3];
        try
        {
            for (int i = 0; i < nodes.Length; i++)
            {
                nodes[i] = StartOne(cluster: true, appendOnly ? ["--appendonly", "yes", "--appendfsync", "everysec"] : []);
            }

            var arguments = new List<string> { "--cluster", "create" };
            foreach (RedisServer node in nodes)
            {
                arguments.Add("127.0.0.1:" + node.Port);
            }

            arguments.AddRange(["--cluster-replicas", replicas ? "1" : "0", "--cluster-yes"]);
            (int exit, string output) = RunCli(arguments);
            if (exit != 0)
            {
                throw new InvalidOperationException("redis-cli --cluster create failed: " + output);
            }

            foreach (RedisServer node in nodes)
            {
                WaitFor(() => node.Command("CLUSTER INFO").Contains("cluster_state:ok", StringComparison.Ordinal), "cluster_state:ok on " + node.Port);
            }

            if (replicas)
            {
                // redis-cli gives the first three nodes the slots and makes the others their replicas; wait for the links.
                for (int i = 3; i < nodes.Length; i++)
                {
                    RedisServer node = nodes[i];
                    WaitFor(() => node.Command("INFO replication").Contains("master_link_status:up", StringComparison.Ordinal), "replica link on " + node.Port);
                }
            }

            return nodes;
        }
        catch
        {
            foreach (RedisServer? node in nodes)
            {
                node?.Dispose();
            }

            throw;
        }
    }

    private static RedisServer StartOne(bool cluster, string[] extra)
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            int port = Random.Shared.Next(20000, 30000);
            if (!IsFree(port) || (cluster && !IsFree(port + 10000)))
            {
                continue;
            }

            string directory = Path.Combine(Path.GetTempPath(), "hp-redis-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            var server = new RedisServer(port, directory, cluster, extra);
            if (server.TryLaunch())
            {
                return server;
            }

            server.Dispose();
        }

        throw new InvalidOperationException("could not start redis-server on a free port");
    }

    /// <summary>Starts (again) on the same port; false when it exited (the port was taken meanwhile).</summary>
    public bool TryLaunch()
    {
        var info = new ProcessStartInfo("redis-server")
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                     "--dir", _directory, "--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning" })
        {
            info.ArgumentList.Add(a);
        }

        foreach (string a in _extra)
        {
            info.ArgumentList.Add(a);
        }

        if (_cluster)
        {
            foreach (string a in new[] { "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000" })
            {
                info.ArgumentList.Add(a);
            }
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                return false;
            }

            try
            {
                if (Command("PING").StartsWith("PONG", StringComparison.Ordinal))
                {
                    return true;
                }
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
            }

            Thread.Sleep(20);
        }

        Kill();
        return false;
    }

    /// <summary>SIGKILL, and wait until the process is gone.</summary>
    public void Kill()
    {
        Process? p = _process;
        if (p is null)
        {
            return;
        }

        try
        {
            if (!p.HasExited)
            {
                p.Kill();
            }

            p.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }

        p.Dispose();
        _process = null;
    }

    /// <summary>SIGSTOP: the server keeps its connections but answers nothing until <see cref="Continue"/>.</summary>
    public void Pause() => Signal("-STOP");

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Continue() => Signal("-CONT");

    private void Signal(string signal)
    {
        using Process kill = Process.Start("kill", [signal, _process!.Id.ToString()]) ?? throw new InvalidOperationException("kill did not start");
        kill.WaitForExit(10_000);
    }

    /// <summary>One inline command (e.g. <c>PTTL key</c>) through redis-cli; its output trimmed.</summary>
    public string Command(string command) => Cli(Port, command);

    /// <summary>One inline command through redis-cli to any Redis-protocol server on 127.0.0.1:<paramref name="port"/> (Garnet too).</summary>
    public static string Cli(int port, string command)
    {
        var arguments = new List<string> { "-h", "127.0.0.1", "-p", port.ToString() };
        arguments.AddRange(command.Split(' '));
        (int exit, string output) = RunCli(arguments);
        if (exit != 0)
        {
            throw new IOException($"redis-cli {command}: {output}");
        }

        return output.Trim();
    }

    public void Dispose()
    {
        Kill();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Waits (at most 15 s) for <paramref name="condition"/>.</summary>
    public static void WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            try
            {
                if (condition())
                {
                    return;
                }
            }
            catch (IOException)
            {
            }

            Thread.Sleep(20);
        }

        throw new TimeoutException("timed out waiting for " + what);
    }

    private static (int Exit, string Output) RunCli(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo("redis-cli")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info) ?? throw new InvalidOperationException("redis-cli did not start");
        var output = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(30_000))
        {
            p.Kill();
            throw new IOException("redis-cli did not finish");
        }

        p.WaitForExit();
        string text;
        lock (output)
        {
            text = output.ToString();
        }

        return (text.StartsWith("Could not connect", StringComparison.Ordinal) ? 1 : p.ExitCode, text);
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
