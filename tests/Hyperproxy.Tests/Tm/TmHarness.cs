using System.Text;
using Hyperproxy.Modules;
using Hyperproxy.Proxy;
using Hyperproxy.Proxy.Transactions;
using Hyperproxy.Sip;
using Hyperproxy.Transport;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// One worker with tm on a manual clock, without sockets: the proxy is 127.0.0.1:5060, the caller (UAC)
/// 127.0.0.9:40000, callees 127.0.0.2:5070 and 127.0.0.3:5070. Timers fire only when the test moves the clock
/// and calls <see cref="Tick"/>.
/// </summary>
internal sealed class TmHarness : IDisposable
{
    public static readonly NetAddress Us = NetAddress.IPv4Loopback(5060);
    public static readonly NetAddress Uac = NetAddress.FromIPv4(127, 0, 0, 9, 40000);
    public static readonly NetAddress Uas1 = NetAddress.FromIPv4(127, 0, 0, 2, 5070);
    public static readonly NetAddress Uas2 = NetAddress.FromIPv4(127, 0, 0, 3, 5070);

    public const string Head = "loadmodule \"tm.so\"\nloadmodule \"sl.so\"\nloadmodule \"sipmsgops.so\"\n"
        + "modparam(\"tm\", \"fr_timeout\", 5)\nmodparam(\"tm\", \"fr_inv_timeout\", 30)\nmodparam(\"tm\", \"wt_timer\", 5)\n";

    /// <summary>The common stateful script: CANCEL through t_check_trans, INVITEs to UAS1, serial forking to UAS2 on 486.</summary>
    public const string Script = Head
        + "route {\n"
        + "  if (is_method(\"CANCEL\")) { if (t_check_trans()) t_relay(); exit; }\n"
        + "  t_on_failure(\"missed\");\n"
        + "  $du = \"sip:127.0.0.2:5070\";\n"
        + "  if (!t_relay()) { sl_reply_error(); }\n"
        + "}\n"
        + "failure_route[missed] {\n"
        + "  if (t_was_cancelled()) { exit; }\n"
        + "  if (t_check_status(\"486\")) { $du = \"sip:127.0.0.3:5070\"; t_relay(); }\n"
        + "}\n";

    private readonly ProxyCounters[] _counters = new ProxyCounters[1];
    private readonly byte[] _input = GC.AllocateArray<byte>(65536, pinned: true);

    public TmHarness(string script = Script, TransactionHub? hub = null, int index = 0, ProxyCounters[]? counters = null,
        Action<ModuleCatalog>? configure = null, Func<ProxyIdentity, UacHub>? uac = null, Func<string, System.Net.IPAddress[]>? resolve = null,
        bool withTcp = false, NextHopResolver? resolver = null)
    {
        _counters = counters ?? _counters;
        var catalog = new ModuleCatalog();
        configure?.Invoke(catalog);
        Resolver = resolver ?? new NextHopResolver(resolve ?? (_ => throw new System.Net.Sockets.SocketException(11001)));
        // withTcp: socket 1 is TCP on the same address (messages on it are sent with connection 0: any to the peer).
        var identity = withTcp ? new ProxyIdentity([Us, Us], [null, null], protocols: [TransportProtocol.Udp, TransportProtocol.Tcp])
            : new ProxyIdentity([Us], [null]);
        UacHub = uac?.Invoke(identity);
        Proxy = new StatelessProxy(identity, Resolver, _counters, index, catalog.CompileText(script), null, null, clock: Clock, hub: hub) { Uac = UacHub };
        Outgoing = new DatagramBatch(64, 16384);
    }

    public ManualTmClock Clock { get; } = new();

    /// <summary>tm's UAC side (MI t_uac_dlg) when the test asked for one.</summary>
    public UacHub? UacHub { get; }

    public NextHopResolver Resolver { get; }

    public StatelessProxy Proxy { get; }

    public DatagramBatch Outgoing { get; }

    public ref ProxyCounters Counters => ref _counters[0];

    public TransactionTable Table => Proxy.TmTable!;

    public Sent[] Send(string message, NetAddress? from = null, int socket = 0)
    {
        Outgoing.Clear();
        byte[] datagram = Encoding.UTF8.GetBytes(message.ReplaceLineEndings("\r\n"));
        datagram.CopyTo(_input, 0);
        Proxy.Process(_input, 0, datagram.Length, from ?? Uac, socket, Outgoing);
        return Collect();
    }

    /// <summary>Moves the clock and runs the worker's timer turn(s) until nothing more is due.</summary>
    public Sent[] Tick(int milliseconds)
    {
        Outgoing.Clear();
        Clock.Advance(milliseconds);
        for (int i = 0; i < 8 && Proxy.MillisecondsUntilDue() == 0; i++)
        {
            Proxy.OnTimer(Outgoing);
        }

        return Collect();
    }

    /// <summary>Moves the clock in steps of <paramref name="step"/> ms for <paramref name="total"/> ms, collecting everything sent.</summary>
    public List<Sent> Run(int total, int step = 50)
    {
        var all = new List<Sent>();
        for (int t = 0; t < total; t += step)
        {
            all.AddRange(Tick(step));
        }

        return all;
    }

    private Sent[] Collect()
    {
        var sent = new Sent[Outgoing.Count];
        for (int i = 0; i < sent.Length; i++)
        {
            sent[i] = new Sent(Encoding.UTF8.GetString(Outgoing.Payload(i)), Outgoing.Peer(i), Outgoing.Info(i).SocketIndex);
        }

        return sent;
    }

    public void Dispose() => Resolver.Dispose();

    public static string Invite(string branch = "z9hG4bK-c1", string callId = "call-1@uac", int cseq = 1) =>
        $"INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch={branch};rport\r\n"
        + "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\n"
        + $"Call-ID: {callId}\r\nCSeq: {cseq} INVITE\r\nContact: <sip:alice@127.0.0.9:40000>\r\nContent-Length: 0\r\n\r\n";

    public static string Request(string method, string branch, string callId = "call-1@uac", int cseq = 1, string toTag = "") =>
        $"{method} sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch={branch};rport\r\n"
        + $"Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>{toTag}\r\n"
        + $"Call-ID: {callId}\r\nCSeq: {cseq} {method}\r\nContent-Length: 0\r\n\r\n";

    /// <summary>A response to a request as it arrived at the callee (its Via lines copied), with a To tag.</summary>
    public static string ResponseTo(Sent request, int code, string reason, string toTag = ";tag=uas1")
    {
        string vias = string.Join("", request.Headers("Via").Select(v => "Via: " + v + "\r\n"));
        string to = request.Headers("To")[0];
        string cseq = request.Headers("CSeq")[0];
        return $"SIP/2.0 {code} {reason}\r\n{vias}From: {request.Headers("From")[0]}\r\nTo: {to}{toTag}\r\n"
            + $"Call-ID: {request.Headers("Call-ID")[0]}\r\nCSeq: {cseq}\r\nContent-Length: 0\r\n\r\n";
    }
}
