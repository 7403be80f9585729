using System.Text;
using BenchmarkDotNet.Attributes;
using Hyperproxy.Modules;
using Hyperproxy.Proxy;
using Hyperproxy.Proxy.Transactions;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Bench.Tm;

/// <summary>
/// tm per transaction on one worker (no sockets, manual clock): an INVITE through t_relay (transaction created,
/// 100 Trying, branch sent and kept), its 180 and 200 matched by branch id and relayed; every 1000 transactions the
/// clock passes wt_timer and the timer turn frees them. Baseline: the same INVITE and 180/200 through forward()
/// statelessly. Figures are per call (<see cref="Calls"/> per invoke); 0 B allocated.
/// </summary>
[MemoryDiagnoser]
public class TmBenchmarks
{
    public const int Calls = 1000;

    private static readonly NetAddress s_uac = NetAddress.FromIPv4(127, 0, 0, 9, 40000);
    private static readonly NetAddress s_uas = NetAddress.FromIPv4(127, 0, 0, 2, 5070);

    private readonly ManualTmClock _clock = new();
    private readonly DatagramBatch _out = new(64, 16384);
    private readonly byte[] _input = new byte[16384];
    private readonly byte[] _reply = new byte[16384];
    private readonly byte[] _request = new byte[16384];
    private StatelessProxy _stateful = null!;
    private StatelessProxy _stateless = null!;
    private byte[] _invite = null!;
    private int[] _digits = null!;
    private long _call;

    [GlobalSetup]
    public void Setup()
    {
        var identity = new ProxyIdentity([NetAddress.IPv4Loopback(5060)], [null]);
        var resolver = new NextHopResolver(_ => throw new System.Net.Sockets.SocketException(11001));
        var catalog = new ModuleCatalog();
        _stateful = new StatelessProxy(identity, resolver, new ProxyCounters[1], 0,
            catalog.CompileText("loadmodule \"tm.so\"\nroute {\n $du = \"sip:127.0.0.2:5070\";\n t_relay();\n}\n", "tm.cfg"), null, null, clock: _clock);
        _stateless = new StatelessProxy(identity, resolver, new ProxyCounters[1], 0,
            new ModuleCatalog().CompileText("route {\n forward(\"127.0.0.2:5070\");\n}\n", "sl.cfg"));
        string text = "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-i########;rport\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\n"
            + "Call-ID: ########@uac\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.9:40000>\r\nContent-Length: 0\r\n\r\n";
        _invite = Encoding.ASCII.GetBytes(text);
        int first = text.IndexOf("########", StringComparison.Ordinal);
        _digits = [first, text.IndexOf("########", first + 8, StringComparison.Ordinal)];
        if (Stateful() != Calls * 2 || Stateless() != Calls * 2)
        {
            throw new InvalidOperationException("the benchmark flow did not relay every reply");
        }
    }

    /// <summary>INVITE, 180, 200 statelessly (forward(), replies relayed by Via).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public int Stateless() => Run(_stateless, tick: false);

    /// <summary>INVITE, 180, 200 through t_relay: create + match + relay, freed by the wait timer.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public int Stateful() => Run(_stateful, tick: true);

    private int Run(StatelessProxy proxy, bool tick)
    {
        int relayed = 0;
        for (int i = 0; i < Calls; i++)
        {
            _call++;
            foreach (int at in _digits)
            {
                long v = _call;
                for (int d = 7; d >= 0; d--)
                {
                    _invite[at + d] = (byte)('0' + (v % 10));
                    v /= 10;
                }
            }

            Feed(proxy, _invite, _invite.Length, s_uac);
            ReadOnlySpan<byte> sent = _out.Payload(_out.Count - 1);
            int lineEnd = sent.IndexOf("\r\n"u8);
            int headers = sent.Length - lineEnd;
            sent[lineEnd..].CopyTo(_request);
            relayed += Reply(proxy, "SIP/2.0 180 Ringing"u8, headers);
            relayed += Reply(proxy, "SIP/2.0 200 OK"u8, headers);
        }

        if (tick)
        {
            _clock.Advance(6_000);
            for (int i = 0; i < 100 && proxy.MillisecondsUntilDue() == 0; i++)
            {
                _out.Clear();
                proxy.OnTimer(_out);
            }
        }

        return relayed;
    }

    private int Reply(StatelessProxy proxy, ReadOnlySpan<byte> statusLine, int headers)
    {
        statusLine.CopyTo(_reply);
        _request.AsSpan(0, headers).CopyTo(_reply.AsSpan(statusLine.Length));
        Feed(proxy, _reply, statusLine.Length + headers, s_uas);
        return _out.Count;
    }

    private void Feed(StatelessProxy proxy, byte[] datagram, int length, in NetAddress from)
    {
        _out.Clear();
        Buffer.BlockCopy(datagram, 0, _input, 0, length);
        proxy.Process(_input, 0, length, from, 0, _out);
    }
}
