using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Modules;
using Hyperproxy.Modules.Dispatcher;
using Row = Hyperproxy.Tests.Dispatcher.DispatcherTable.Row;

namespace Hyperproxy.Tests.Dispatcher;

/// <summary>
/// The prober against UDP responders on loopback: a destination that answers stays active, a silent one turns
/// probing after ds_probing_threshold timed-out probes, and comes back once it answers; options_reply_codes.
/// </summary>
public sealed class DispatcherProbingTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ASilentDestinationIsProbedOutAndComesBackWhenItAnswersAndAnInactiveOneIsNotProbed()
    {
        using var good = new Responder(200);
        using var silent = new Responder(0);
        using var off = new Responder(200);
        using var table = new DispatcherTable(new Row(1, $"sip:127.0.0.1:{good.Port}"), new Row(1, $"sip:127.0.0.1:{silent.Port}"),
            new Row(1, $"sip:127.0.0.1:{off.Port}", State: 1));
        var catalog = new ModuleCatalog();
        catalog.CompileText(Script(table));
        using DispatcherProber prober = DispatcherProber.StartFor(catalog.Dispatcher, IPAddress.Loopback)!;

        await WaitAsync(() => State(catalog, silent.Port) == DispatcherState.Probing, "the silent destination to turn probing");
        Assert.Equal(DispatcherState.Active, State(catalog, good.Port));
        Assert.True(good.Requests > 0 && silent.Requests >= 2, $"good saw {good.Requests}, silent {silent.Requests}");
        Assert.StartsWith("OPTIONS sip:127.0.0.1:", good.Last, StringComparison.Ordinal);
        Assert.Contains("From: <sip:dispatcher@127.0.0.1>;tag=", good.Last, StringComparison.Ordinal);

        silent.Code = 200;
        await WaitAsync(() => State(catalog, silent.Port) == DispatcherState.Active, "the destination to come back");
        Assert.True(prober.Answered > 0 && prober.Failed >= 2, $"answered {prober.Answered}, failed {prober.Failed}");

        // An inactive destination is never probed (it stays out until MI or the script says otherwise).
        Assert.Equal(0, off.Requests);
        Assert.Equal(DispatcherState.Inactive, State(catalog, off.Port));
    }

    [Fact]
    public async Task ReplyCodesCountAsAnswersOnlyWhenListed()
    {
        using var refusing = new Responder(501);
        using var listed = new Responder(403);
        using var table = new DispatcherTable(new Row(1, $"sip:127.0.0.1:{refusing.Port}"), new Row(1, $"sip:127.0.0.1:{listed.Port}"));
        var catalog = new ModuleCatalog();
        catalog.CompileText(Script(table, "modparam(\"dispatcher\", \"options_reply_codes\", \"403\")\n"));
        using DispatcherProber prober = DispatcherProber.StartFor(catalog.Dispatcher, IPAddress.Loopback)!;

        await WaitAsync(() => State(catalog, refusing.Port) == DispatcherState.Probing, "the 501 destination to turn probing");
        Assert.Equal(DispatcherState.Active, State(catalog, listed.Port));
    }

    [Fact]
    public void NoProberRunsWithoutAPingInterval()
    {
        using var table = new DispatcherTable(new Row(1, "sip:127.0.0.1:5999"));
        var catalog = new ModuleCatalog();
        catalog.CompileText(Script(table).Replace("\"ds_ping_interval\", 1", "\"ds_ping_interval\", 0", StringComparison.Ordinal));
        Assert.Null(DispatcherProber.StartFor(catalog.Dispatcher, IPAddress.Loopback));
    }

    private static string Script(DispatcherTable table, string extra = "") =>
        "loadmodule \"tm.so\"\nloadmodule \"dispatcher.so\"\nmodparam(\"tm\", \"fr_timeout\", 1)\nmodparam(\"tm\", \"T1_timer\", 100)\n"
        + $"modparam(\"dispatcher\", \"db_url\", \"{table.DbUrl}\")\nmodparam(\"dispatcher\", \"ds_ping_interval\", 1)\n"
        + "modparam(\"dispatcher\", \"ds_probing_mode\", 1)\nmodparam(\"dispatcher\", \"ds_probing_threshold\", 2)\n"
        + "modparam(\"dispatcher\", \"ds_ping_from\", \"sip:dispatcher@127.0.0.1\")\n" + extra
        + "route { ds_select_dst(1, 4); }\n";

    private static byte State(ModuleCatalog catalog, int port)
    {
        DispatcherSnapshot s = catalog.Dispatcher.Snapshot;
        foreach (DispatcherDestination d in s.Data.All)
        {
            if (d.Uri.EndsWith(":" + port, StringComparison.Ordinal))
            {
                return s.States[d.Index];
            }
        }

        throw new InvalidOperationException($"no destination on {port}");
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited {Bound.TotalSeconds} s for {what}");
            await Task.Delay(20); // polling interval of a bounded wait
        }
    }

    /// <summary>A UDP peer that answers each request with <see cref="Code"/> (0: silence), echoing Via, From, To, Call-ID, CSeq.</summary>
    private sealed class Responder : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly Thread _thread;
        private volatile bool _stop;
        private int _requests;

        public Responder(int code)
        {
            Code = code;
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _socket.ReceiveTimeout = 100;
            Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
            _thread = new Thread(Run) { IsBackground = true };
            _thread.Start();
        }

        public int Port { get; }

        public volatile int Code;

        public int Requests => Volatile.Read(ref _requests);

        public string Last { get; private set; } = "";

        private void Run()
        {
            var buffer = new byte[65536];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            while (!_stop)
            {
                int n;
                try
                {
                    n = _socket.ReceiveFrom(buffer, ref from);
                }
                catch (SocketException)
                {
                    continue; // receive timeout: check _stop
                }

                string request = Encoding.ASCII.GetString(buffer, 0, n);
                Last = request;
                Interlocked.Increment(ref _requests);
                int code = Code;
                if (code == 0)
                {
                    continue;
                }

                var reply = new StringBuilder($"SIP/2.0 {code} Whatever\r\n");
                foreach (string line in request.Split("\r\n"))
                {
                    if (line.StartsWith("Via:", StringComparison.Ordinal) || line.StartsWith("From:", StringComparison.Ordinal)
                        || line.StartsWith("Call-ID:", StringComparison.Ordinal) || line.StartsWith("CSeq:", StringComparison.Ordinal))
                    {
                        reply.Append(line).Append("\r\n");
                    }
                    else if (line.StartsWith("To:", StringComparison.Ordinal))
                    {
                        reply.Append(line).Append(";tag=r1\r\n");
                    }
                }

                reply.Append("Content-Length: 0\r\n\r\n");
                _socket.SendTo(Encoding.ASCII.GetBytes(reply.ToString()), from);
            }
        }

        public void Dispose()
        {
            _stop = true;
            _thread.Join(TimeSpan.FromSeconds(2));
            _socket.Dispose();
        }
    }
}
