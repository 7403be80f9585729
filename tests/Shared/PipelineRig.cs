using System.Net;
using System.Text;
using Hyperproxy.Location;
using Hyperproxy.Location.Faster;
using Hyperproxy.Modules;
using Hyperproxy.Proxy;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Testing;

/// <summary>
/// The whole datagram pipeline of one worker without sockets (linked into Hyperproxy.Tests and
/// Hyperproxy.Bench, so the test checks exactly what the benchmark measures): a batch of copies of one
/// request is queued on an <see cref="InMemoryBatchIo"/>, one worker turn parses each, runs the script
/// (replies, registrar save, forward with its edits) and writes what goes out into the capture.
/// The proxy is 127.0.0.1:5060; the client 127.0.0.9:40000; biloxi.com resolves to 127.0.0.2.
/// </summary>
internal sealed class PipelineRig : IDisposable
{
    public const int Batch = DatagramBatch.DefaultCapacity;

    public static readonly NetAddress Us = NetAddress.IPv4Loopback(5060);
    public static readonly NetAddress Client = NetAddress.FromIPv4(127, 0, 0, 9, 40000);
    public static readonly NetAddress Biloxi = NetAddress.FromIPv4(127, 0, 0, 2, 5060);

    /// <summary>An OPTIONS ping for the proxy itself, as sipsak -s sends it (the corpus has no plain OPTIONS).</summary>
    public const string OptionsPing = "OPTIONS sip:127.0.0.1:5060 SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK.1a2b3c4d;rport;alias\r\n"
        + "From: sip:sipsak@127.0.0.9:40000;tag=6b8b4567\r\n"
        + "To: sip:127.0.0.1:5060\r\n"
        + "Call-ID: 1804289383@127.0.0.9\r\n"
        + "CSeq: 1 OPTIONS\r\n"
        + "Contact: sip:sipsak@127.0.0.9:40000\r\n"
        + "Content-Length: 0\r\n"
        + "Max-Forwards: 70\r\n"
        + "User-Agent: sipsak 0.9.8\r\n"
        + "Accept: text/plain\r\n\r\n";

    /// <summary>A registrar: save() REGISTERs (durability none), relay the rest.</summary>
    public const string RegistrarScript = "loadmodule \"sl.so\"\nloadmodule \"sipmsgops.so\"\nloadmodule \"usrloc.so\"\nloadmodule \"registrar.so\"\n"
        + "route {\n  if (is_method(\"REGISTER\")) { save(\"location\"); exit; }\n  if (!forward()) sl_reply_error();\n}\n";

    private const string CSeqMarker = "CSeq: 1826 ";
    private const string WideCSeq = "CSeq: 100000000 ";

    private readonly ProxyCounters[] _counters = new ProxyCounters[1];
    private readonly NextHopResolver _resolver;
    private readonly FasterLocationStore? _store;
    private readonly byte[] _message;
    private readonly int _cseqAt;
    private int _cseq = 100_000_000;

    private PipelineRig(byte[] message, CompiledScript? script, FasterLocationStore? store)
    {
        _message = message;
        _store = store;
        _resolver = new NextHopResolver(name => name.Equals("biloxi.com", StringComparison.OrdinalIgnoreCase)
            ? [IPAddress.Parse("127.0.0.2")]
            : throw new System.Net.Sockets.SocketException(11001));
        var identity = new ProxyIdentity([Us], [null]);
        Proxy = script is null
            ? new StatelessProxy(identity, _resolver, _counters, 0)
            : new StatelessProxy(identity, _resolver, _counters, 0, script, store);
        string text = Encoding.ASCII.GetString(message);
        int cseq = text.IndexOf(WideCSeq, StringComparison.Ordinal);
        _cseqAt = cseq < 0 ? -1 : cseq + "CSeq: ".Length;
        if (!_resolver.WaitFor("biloxi.com", TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException("the resolver table did not answer");
        }
    }

    public InMemoryBatchIo Io { get; } = new(capacity: Batch);

    public StatelessProxy Proxy { get; }

    public ref ProxyCounters Counters => ref _counters[0];

    /// <summary>OPTIONS for the proxy through the built-in default script: answered 200 here.</summary>
    public static PipelineRig Options() => new(Encoding.ASCII.GetBytes(OptionsPing), null, null);

    /// <summary>
    /// The corpus's RFC 3261 REGISTER (its CSeq widened so that every copy can count up, as a refreshing UA's
    /// does) through <see cref="RegistrarScript"/> against a FASTER store with durability none: 200 OK each.
    /// </summary>
    public static PipelineRig Register(Func<string, byte[]> corpus)
    {
        string text = Encoding.ASCII.GetString(corpus("rfc3261-register.sip")).Replace(CSeqMarker, WideCSeq, StringComparison.Ordinal);
        var catalog = new ModuleCatalog();
        CompiledScript script = catalog.CompileText(RegistrarScript, "pipeline.cfg");
        var store = new FasterLocationStore(new LocationStoreOptions { Durability = Durability.None, ExpectedAors = 1024 });
        catalog.Registrar.UseStore(store);
        return new PipelineRig(Encoding.ASCII.GetBytes(text), script, store);
    }

    /// <summary>The corpus's RFC 3261 INVITE (with SDP) through the default script: forwarded to biloxi.com.</summary>
    public static PipelineRig Invite(Func<string, byte[]> corpus) => new(corpus("rfc3261-invite.sip"), null, null);

    /// <summary>Queues <see cref="Batch"/> copies of the request and runs one worker turn; returns how many datagrams went out.</summary>
    public int RunBatch()
    {
        Io.ClearSent();
        for (int i = 0; i < Batch; i++)
        {
            if (_cseqAt >= 0)
            {
                WriteDigits(_message.AsSpan(_cseqAt, 9), ++_cseq);
            }

            Io.Enqueue(_message, Client);
        }

        return Io.Run(Proxy);
    }

    public void Dispose()
    {
        _resolver.Dispose();
        _store?.Dispose();
        Io.Dispose();
    }

    private static void WriteDigits(Span<byte> digits, int value)
    {
        for (int i = digits.Length - 1; i >= 0; i--)
        {
            digits[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}
