using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Hyperproxy.Sak.Tests;

/// <summary>Paths and helpers shared by the tests that run real peers on loopback.</summary>
internal static class Peers
{
    public static string RepoRoot
    {
        get
        {
            string? dir = AppContext.BaseDirectory;
            while (dir != null && !File.Exists(Path.Combine(dir, "Hyperproxy.sln")))
                dir = Path.GetDirectoryName(dir);
            return dir ?? "/work/main";
        }
    }

    /// <summary>A UDP port nobody holds right now on 127.0.0.1.</summary>
    public static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    /// <summary>
    /// A free port below 10000: sipsak 0.9.8 drops the last digit of a five-digit port when it
    /// writes the Request-URI, so peers compared with sipsak that route on the URI need four.
    /// </summary>
    public static int FreeFourDigitUdpPort()
    {
        int start = 7000 + Random.Shared.Next(2900);
        for (int i = 0; i < 500; i++)
        {
            int port = 7000 + (start - 7000 + i) % 2999;
            try
            {
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                s.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException("no free UDP port in 7000-9999");
    }

    /// <summary>Kills a peer with its children (bounded wait) and disposes it; a process that already ended is fine.</summary>
    public static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
    }

    /// <summary>Runs a program to its end (bounded); returns exit code and both outputs.</summary>
    public static (int Code, string Out, string Err) Exec(string file, string args, int timeoutMs = 30_000)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using Process p = Process.Start(psi)!;
        Task<string> o = p.StandardOutput.ReadToEndAsync();
        Task<string> e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(true);
            throw new TimeoutException($"{file} {args} did not end within {timeoutMs} ms");
        }
        return (p.ExitCode, o.Result, e.Result);
    }

    /// <summary>hypersak in-process: exit code, stdout, stderr.</summary>
    public static (int Code, string Out, string Err) Sak(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Hyperproxy.Sak.Cli.SakCli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>Waits (bounded) until an OPTIONS to the port is answered.</summary>
    public static bool WaitAnswering(int port, int timeoutMs = 15_000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            var (code, _, _) = Sak("-Z", "50", "-D", "4", "-s", $"sip:127.0.0.1:{port}");
            if (code is 0 or 1)
                return true;
            // Connection refused comes back at once: give the peer a moment by waiting on a socket.
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Poll(50_000, SelectMode.SelectRead);
        }
        return false;
    }
}
