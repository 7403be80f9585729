using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Hyperproxy.Proxy.Dns;

namespace Hyperproxy.Tests.Shared;

/// <summary>
/// A real DNS server for a test: Debian's dnsmasq on 127.0.0.1 and a free port (UDP and TCP, picked at random in
/// 30000-39999 and proved free first, since other test projects run at the same time), answering only from its command
/// line (<c>--no-resolv --no-hosts</c>; names under <c>.test</c> that it does not list are NXDOMAIN), in the foreground,
/// stopped by its PID.
/// </summary>
internal sealed class DnsmasqServer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private readonly Process _process;

    private DnsmasqServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>A client of this server only, with a short timeout.</summary>
    public DnsClient Client(TimeSpan? timeout = null) => new([EndPoint], timeout ?? TimeSpan.FromSeconds(2), 2);

    /// <summary>
    /// Starts dnsmasq with <paramref name="records"/> (its options: <c>--srv-host=...</c>, <c>--host-record=...</c>,
    /// <c>--naptr-record=...</c>) whose records have TTL <paramref name="ttl"/>, on <paramref name="port"/> or a free one.
    /// </summary>
    public static DnsmasqServer Start(int ttl, IEnumerable<string> records, int port = 0)
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            int p = port != 0 ? port : FreePort();
            var info = new ProcessStartInfo("dnsmasq")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (string arg in (string[])["--keep-in-foreground", $"--port={p}", "--listen-address=127.0.0.1", "--bind-interfaces",
                         "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--pid-file=", "--user=root", "--local=/test/",
                         $"--local-ttl={ttl}", "--cache-size=0", "--log-facility=/dev/null"])
            {
                info.ArgumentList.Add(arg);
            }

            foreach (string record in records)
            {
                info.ArgumentList.Add(record);
            }

            var process = Process.Start(info)!;
            process.OutputDataReceived += static (_, _) => { };
            process.ErrorDataReceived += static (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new DnsmasqServer(process, p);
            if (server.WaitReady())
            {
                return server;
            }

            server.Dispose();
            if (port != 0)
            {
                break;
            }
        }

        throw new InvalidOperationException("dnsmasq did not start");
    }

    private bool WaitReady()
    {
        var client = new DnsClient([EndPoint], TimeSpan.FromMilliseconds(200), 1);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                return false;
            }

            if (client.QueryAsync("ready.probe.test", DnsType.A).GetAwaiter().GetResult().Status != DnsStatus.Failed)
            {
                return true;
            }
        }

        return false;
    }

    public static int FreePort()
    {
        for (int i = 0; i < 200; i++)
        {
            int port = Random.Shared.Next(30000, 40000);
            if (IsFree(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException("no free port for dnsmasq");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}
