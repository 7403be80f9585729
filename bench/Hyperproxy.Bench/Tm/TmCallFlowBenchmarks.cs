using System.Text;
using BenchmarkDotNet.Attributes;
using Hyperproxy.Modules;
using Hyperproxy.Proxy;
using Hyperproxy.Proxy.Transactions;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Bench.Tm;

/// <summary>
/// run-bench's stateful-call against its stateless-call, in memory on one worker (manual clock, no sockets):
/// whole calls INVITE/180/200/ACK/BYE/200 with <c>record_route()</c>, through the scripts of
/// <c>perf/hyperproxy/stateful-call.cfg</c> (t_relay, wait timer turned every 500 calls) and
/// <c>perf/hyperproxy/stateless-call.cfg</c> (forward()). Figures are per call (<see cref="Calls"/> per invoke),
/// so Stateful / Stateless is the cost of tm per call without the kernel. 0 B allocated in both.
/// Also a profiling loop: <c>Hyperproxy.Bench --tm-call-loop SECONDS [stateless]</c> (Program.cs) runs
/// <see cref="Loop"/> for a trace (dotnet-trace collect -- ...).
/// </summary>
[MemoryDiagnoser]
public class TmCallFlowBenchmarks
{
    public const int Calls = 1000;

    private const string Guard = "  if (!mf_process_maxfwd_header(10)) { sl_send_reply(483, \"Too Many Hops\"); exit; }\n"
        + "  if (is_method(\"OPTIONS\") && uri == myself) { sl_send_reply(200, \"OK\"); exit; }\n";

    /// <summary>perf/hyperproxy/stateful-call.cfg's route.</summary>
    public const string StatefulScript = "loadmodule \"tm.so\"\nloadmodule \"sl.so\"\nloadmodule \"maxfwd.so\"\nloadmodule \"rr.so\"\nloadmodule \"sipmsgops.so\"\n"
        + "modparam(\"tm\", \"fr_timeout\", 5)\nmodparam(\"tm\", \"fr_inv_timeout\", 120)\nmodparam(\"tm\", \"max_transactions\", 262144)\n"
        + "route {\n" + Guard
        + "  if (is_method(\"CANCEL\")) { if (t_check_trans()) { t_relay(); } exit; }\n"
        + "  if (has_totag()) {\n    if (loose_route()) { t_relay(); exit; }\n"
        + "    if (is_method(\"ACK\")) { if (t_check_trans()) { t_relay(); } exit; }\n"
        + "    sl_send_reply(404, \"Not here\"); exit;\n  }\n"
        + "  t_check_trans();\n  if (is_method(\"INVITE\")) { record_route(); }\n"
        + "  if (!t_relay()) { sl_reply_error(); }\n  exit;\n}\n";

    /// <summary>perf/hyperproxy/stateless-call.cfg's route.</summary>
    public const string StatelessScript = "loadmodule \"sl.so\"\nloadmodule \"maxfwd.so\"\nloadmodule \"rr.so\"\nloadmodule \"sipmsgops.so\"\n"
        + "route {\n" + Guard
        + "  if (has_totag()) {\n    if (loose_route()) { forward(); exit; }\n    sl_send_reply(404, \"Not here\"); exit;\n  }\n"
        + "  if (is_method(\"INVITE\")) { record_route(); }\n"
        + "  if (!forward()) { sl_reply_error(); }\n  exit;\n}\n";

    private CallFlow _stateful = null!;
    private CallFlow _stateless = null!;

    [GlobalSetup]
    public void Setup()
    {
        _stateful = new CallFlow(StatefulScript);
        _stateless = new CallFlow(StatelessScript);
        if (_stateful.Calls(Calls) != Calls || _stateless.Calls(Calls) != Calls)
        {
            throw new InvalidOperationException("the benchmark flow did not complete every call");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public int Stateless() => _stateless.Calls(Calls);

    [Benchmark(OperationsPerInvoke = Calls)]
    public int Stateful() => _stateful.Calls(Calls);

    /// <summary>Calls for <paramref name="seconds"/> (a profiler's target); returns calls per second, and per second of the process's CPU time (a figure a busy machine bends less).</summary>
    /// <remarks>
    /// <paramref name="callsPerSecond"/> 0 turns the wait timer every 500 calls (a small, cache-warm table, as the
    /// benchmark); otherwise the clock moves 1 ms every <paramref name="callsPerSecond"/>/1000 calls and the timers
    /// turn with it, so the table holds what a server at that rate holds (every transaction waits out wt_timer:
    /// rate × 2 × 5 s), with the cache misses that brings.
    /// </remarks>
    public static double Loop(double seconds, bool stateless, int callsPerSecond, out double cpuRate)
    {
        var flow = new CallFlow(stateless ? StatelessScript : StatefulScript, callsPerSecond);
        flow.Calls(Math.Max(200_000, callsPerSecond * 8)); // tiered JIT done, and past wt_timer: the table at its steady size
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        TimeSpan cpuFrom = process.TotalProcessorTime;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        long calls = 0;
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            calls += flow.Calls(Calls);
        }

        double wall = watch.Elapsed.TotalSeconds;
        process.Refresh();
        cpuRate = calls / (process.TotalProcessorTime - cpuFrom).TotalSeconds;
        return calls / wall;
    }

    /// <summary>udpgen's call flow from fixed-width templates rewritten in place: the callee answers by copying the request it got.</summary>
    private sealed class CallFlow
    {
        private static readonly NetAddress s_uac = NetAddress.FromIPv4(127, 0, 0, 9, 40000);
        private static readonly NetAddress s_uas = NetAddress.FromIPv4(127, 0, 0, 2, 5070);
        private readonly ManualTmClock _clock = new();
        private readonly ProxyCounters[] _counters = new ProxyCounters[1];
        private readonly StatelessProxy _proxy;
        private readonly DatagramBatch _out = new(64, 16384);
        private readonly byte[] _input = GC.AllocateArray<byte>(16384, pinned: true);
        private readonly byte[] _reply = new byte[16384];
        private readonly byte[] _forwarded = new byte[16384];
        private readonly byte[] _invite;
        private readonly byte[] _ack;
        private readonly byte[] _bye;
        private readonly int[] _inviteDigits;
        private readonly int[] _ackDigits;
        private readonly int[] _byeDigits;
        private readonly int _callsPerMs;
        private long _call;

        public CallFlow(string script, int callsPerSecond = 0)
        {
            _callsPerMs = Math.Max(0, callsPerSecond / 1000);
            _proxy = new StatelessProxy(new ProxyIdentity([NetAddress.IPv4Loopback(5060)], [null]),
                new NextHopResolver(_ => throw new System.Net.Sockets.SocketException(11001)), _counters, 0,
                new ModuleCatalog().CompileText(script, "call.cfg"), null, null, clock: _clock);
            const string Sdp = "v=0\r\no=udpgen 1 1 IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";
            _invite = Template("INVITE sip:callee@127.0.0.2:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-ug########;rport\r\n"
                + "Max-Forwards: 70\r\nFrom: <sip:udpgen@127.0.0.9>;tag=ugen1\r\nTo: <sip:callee@127.0.0.2:5070>\r\n"
                + "Call-ID: ########@udpgen\r\nCSeq: 1 INVITE\r\nContact: <sip:udpgen@127.0.0.9:40000>\r\nUser-Agent: udpgen\r\n"
                + "Content-Type: application/sdp\r\nContent-Length: " + Sdp.Length + "\r\n\r\n" + Sdp, out _inviteDigits);
            _ack = Template("ACK sip:callee@127.0.0.2:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-ua########;rport\r\n"
                + "Route: <sip:127.0.0.1:5060;lr;ftag=ugen1>\r\nMax-Forwards: 70\r\nFrom: <sip:udpgen@127.0.0.9>;tag=ugen1\r\n"
                + "To: <sip:callee@127.0.0.2:5070>;tag=resp1\r\nCall-ID: ########@udpgen\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n", out _ackDigits);
            _bye = Template("BYE sip:callee@127.0.0.2:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-ub########;rport\r\n"
                + "Route: <sip:127.0.0.1:5060;lr;ftag=ugen1>\r\nMax-Forwards: 70\r\nFrom: <sip:udpgen@127.0.0.9>;tag=ugen1\r\n"
                + "To: <sip:callee@127.0.0.2:5070>;tag=resp1\r\nCall-ID: ########@udpgen\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n", out _byeDigits);
        }

        /// <summary>Runs <paramref name="count"/> calls; returns how many got the BYE's 200 back to the caller.</summary>
        public int Calls(int count)
        {
            int completed = 0;
            for (int i = 0; i < count; i++)
            {
                _call++;
                Stamp(_invite, _inviteDigits);
                Stamp(_ack, _ackDigits);
                Stamp(_bye, _byeDigits);
                Feed(_invite, _invite.Length, s_uac);
                ReadOnlySpan<byte> sent = _out.Payload(_out.Count - 1);
                sent.CopyTo(_forwarded);
                int forwarded = sent.Length;
                Feed(_reply, Answer(_forwarded.AsSpan(0, forwarded), "SIP/2.0 180 Ringing\r\n"u8, ";tag=resp1"u8), s_uas);
                Feed(_reply, Answer(_forwarded.AsSpan(0, forwarded), "SIP/2.0 200 OK\r\n"u8, ";tag=resp1"u8), s_uas);
                Feed(_ack, _ack.Length, s_uac);
                Feed(_bye, _bye.Length, s_uac);
                int bye = Answer(_out.Payload(_out.Count - 1), "SIP/2.0 200 OK\r\n"u8, default);
                Feed(_reply, bye, s_uas);
                completed += _out.Count == 1 && _out.Info(0).Peer.Equals(s_uac) ? 1 : 0;
                if (_callsPerMs > 0)
                {
                    if (_call % _callsPerMs == 0)
                    {
                        _clock.Advance(1);
                        for (int k = 0; k < 1000 && _proxy.MillisecondsUntilDue() == 0; k++)
                        {
                            _out.Clear();
                            _proxy.OnTimer(_out);
                        }
                    }
                }
                else if (_call % 500 == 0)
                {
                    _clock.Advance(6_000); // past wt_timer: the finished transactions are freed
                    for (int k = 0; k < 1000 && _proxy.MillisecondsUntilDue() == 0; k++)
                    {
                        _out.Clear();
                        _proxy.OnTimer(_out);
                    }
                }
            }

            return completed;
        }

        /// <summary>
        /// The callee's answer to <paramref name="request"/> (as the proxy sent it): the status line, the request's
        /// header lines (Content-Length and Content-Type left out, the To tag added), Content-Length 0.
        /// </summary>
        private int Answer(ReadOnlySpan<byte> request, ReadOnlySpan<byte> statusLine, ReadOnlySpan<byte> toTag)
        {
            ReadOnlySpan<byte> rest = request[(request.IndexOf("\r\n"u8) + 2)..];
            Span<byte> reply = _reply;
            statusLine.CopyTo(reply);
            int o = statusLine.Length;
            while (true)
            {
                int eol = rest.IndexOf("\r\n"u8);
                if (eol <= 0)
                {
                    break;
                }

                ReadOnlySpan<byte> line = rest[..eol];
                rest = rest[(eol + 2)..];
                if (line.StartsWith("Content-"u8))
                {
                    continue;
                }

                line.CopyTo(reply[o..]);
                o += line.Length;
                if (line.StartsWith("To: "u8))
                {
                    toTag.CopyTo(reply[o..]);
                    o += toTag.Length;
                }

                "\r\n"u8.CopyTo(reply[o..]);
                o += 2;
            }

            "Content-Length: 0\r\n\r\n"u8.CopyTo(reply[o..]);
            return o + 21;
        }

        private void Feed(byte[] datagram, int length, in NetAddress from)
        {
            _out.Clear();
            Buffer.BlockCopy(datagram, 0, _input, 0, length);
            _proxy.Process(_input, 0, length, from, 0, _out);
        }

        private void Stamp(byte[] template, int[] digits)
        {
            foreach (int at in digits)
            {
                long v = _call;
                for (int i = 7; i >= 0; i--)
                {
                    template[at + i] = (byte)('0' + (v % 10));
                    v /= 10;
                }
            }
        }

        private static byte[] Template(string text, out int[] digits)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(text);
            var at = new List<int>();
            for (int i = text.IndexOf("########", StringComparison.Ordinal); i >= 0; i = text.IndexOf("########", i + 8, StringComparison.Ordinal))
            {
                at.Add(i);
            }

            digits = [.. at];
            return bytes;
        }
    }
}
