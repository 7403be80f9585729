using System.Text;
using BenchmarkDotNet.Attributes;
using Hyperproxy.Script;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;

namespace Hyperproxy.Bench.Script;

/// <summary>
/// The default script's decision for one message (already parsed): compiled nodes vs. the naive
/// tree-walking interpreter (baseline). The host only counts replies/forwards, so the figures are
/// the script's own overhead. <see cref="ContextOnly"/> is the fixed per-message cost (context and
/// edits reset) both pay.
/// </summary>
[MemoryDiagnoser]
public class ScriptBenchmarks
{
    private static readonly NetAddress s_source = NetAddress.FromIPv4(127, 0, 0, 9, 40000);

    private readonly SipMessage _message = new();
    private readonly SipEdits _edits = new();
    private readonly BenchHost _host = new();
    private CompiledScript _compiled = null!;
    private NaiveInterpreter _interpreter = null!;
    private ScriptContext _context = null!;
    private byte[] _bytes = [];

    [Params("OPTIONS", "REGISTER", "BYE")]
    public string Message { get; set; } = "OPTIONS";

    public static string Text(string kind) => kind switch
    {
        "OPTIONS" => "OPTIONS sip:127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-o1;rport\r\nMax-Forwards: 70\r\n"
            + "From: <sip:mon@example.com>;tag=m1\r\nTo: <sip:127.0.0.1:5060>\r\nCall-ID: o1@example.com\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
        "REGISTER" => "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-r1;rport\r\nMax-Forwards: 70\r\n"
            + "From: <sip:alice@127.0.0.1>;tag=r1\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: r1@example.com\r\nCSeq: 1 REGISTER\r\n"
            + "Contact: <sip:alice@127.0.0.9:40000>;expires=3600\r\nContent-Length: 0\r\n\r\n",
        _ => "BYE sip:bob@127.0.0.7:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-b1;rport\r\nMax-Forwards: 70\r\n"
            + "Route: <sip:127.0.0.1;lr>\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b1\r\nCall-ID: d1@example.com\r\n"
            + "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
    };

    [GlobalSetup]
    public void Setup()
    {
        var modules = new Hyperproxy.Modules.ModuleCatalog();
        ScriptLoadResult load = ScriptLoader.LoadDefault(modules.CreateRegistry(), modules.CreateVariables());
        modules.Configure(load.Program!);
        _compiled = ScriptCompiler.Compile(load.Program!);
        _interpreter = new NaiveInterpreter(load.Program!);
        _context = _compiled.CreateContext(_host);
        _bytes = Encoding.ASCII.GetBytes(Text(Message));
        if (_message.Parse(_bytes, 0, _bytes.Length) != SipError.None)
        {
            throw new InvalidOperationException(Message);
        }
    }

    [Benchmark]
    public int ContextOnly()
    {
        _edits.Reset(_message);
        _context.Begin(_message, _edits, s_source, 0);
        return _context.RetCode;
    }

    [Benchmark(Baseline = true)]
    public int Interpreted()
    {
        _edits.Reset(_message);
        _context.Begin(_message, _edits, s_source, 0);
        _interpreter.Run(_context);
        return _context.RetCode;
    }

    [Benchmark]
    public int Compiled()
    {
        _edits.Reset(_message);
        _context.Begin(_message, _edits, s_source, 0);
        _compiled.RunRequest(_context);
        return _context.RetCode;
    }
}
