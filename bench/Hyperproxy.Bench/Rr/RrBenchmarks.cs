using System.Text;
using BenchmarkDotNet.Attributes;
using Hyperproxy.Bench.Script;
using Hyperproxy.Modules;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;

namespace Hyperproxy.Bench.Rr;

/// <summary>
/// rr's per-message work on parsed messages: loose_route() on an in-dialog BYE with three Route
/// entries (ours first, so one removal and <c>$du</c> to the next), and record_route() on an INVITE
/// including the deferred completion the server runs at send time. Baseline: binding the context
/// and resetting the edits, which every message pays.
/// </summary>
[MemoryDiagnoser]
public class RrBenchmarks
{
    private const string Bye = "BYE sip:alice@127.0.0.9:40000 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.5:5090;branch=z9hG4bK-b1\r\n"
        + "Route: <sip:127.0.0.1;lr;ftag=abc;nat=yes>,<sip:127.0.0.2:5070;lr>\r\nRoute: <sip:127.0.0.3:5080;lr>\r\nMax-Forwards: 70\r\n"
        + "From: <sip:bob@example.com>;tag=xyz\r\nTo: <sip:alice@example.com>;tag=abc\r\nCall-ID: c1@example.com\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";

    private const string Invite = "INVITE sip:bob@127.0.0.2:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-i1\r\nMax-Forwards: 70\r\n"
        + "From: <sip:alice@example.com>;tag=abc\r\nTo: <sip:bob@example.com>\r\nCall-ID: c2@example.com\r\nCSeq: 1 INVITE\r\n"
        + "Contact: <sip:alice@127.0.0.9:40000>\r\nContent-Length: 0\r\n\r\n";

    private static readonly NetAddress s_source = NetAddress.FromIPv4(127, 0, 0, 9, 40000);

    private readonly SipMessage _bye = new();
    private readonly SipMessage _invite = new();
    private readonly SipEdits _edits = new();
    private readonly ModuleCatalog _catalog = new();
    private ScriptContext _context = null!;

    [GlobalSetup]
    public void Setup()
    {
        byte[] bye = Encoding.ASCII.GetBytes(Bye);
        byte[] invite = Encoding.ASCII.GetBytes(Invite);
        if (_bye.Parse(bye, 0, bye.Length) != SipError.None || _invite.Parse(invite, 0, invite.Length) != SipError.None)
        {
            throw new InvalidOperationException("benchmark messages do not parse");
        }

        _context = _catalog.CompileText("loadmodule \"rr.so\"\nroute {\n forward();\n}\n", "bench.cfg").CreateContext(new BenchHost());
        if (LooseRoute() != 1 || RecordRoute() != 1)
        {
            throw new InvalidOperationException("rr did not succeed");
        }
    }

    [Benchmark(Baseline = true)]
    public int ContextOnly()
    {
        _edits.Reset(_bye);
        _context.Begin(_bye, _edits, s_source, 0);
        return _edits.Count;
    }

    [Benchmark]
    public int LooseRoute()
    {
        _edits.Reset(_bye);
        _context.Begin(_bye, _edits, s_source, 0);
        return _catalog.Rr.LooseRoute(_context);
    }

    [Benchmark]
    public int RecordRoute()
    {
        _edits.Reset(_invite);
        _context.Begin(_invite, _edits, s_source, 0);
        int r = _catalog.Rr.RecordRoute(_context, default);
        return _context.CompleteDeferred(0) == SipError.None ? r : -1;
    }
}
