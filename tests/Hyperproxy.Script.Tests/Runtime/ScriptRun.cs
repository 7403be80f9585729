using System.Text;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;

namespace Hyperproxy.Script.Tests.Runtime;

/// <summary>Compiles a script and runs messages through it against a <see cref="FakeHost"/>.</summary>
internal sealed class ScriptRun
{
    public static readonly NetAddress Uac = NetAddress.FromIPv4(10, 0, 0, 9, 40000);

    private readonly byte[] _buffer = new byte[65536];
    private int _length;

    public ScriptRun(string script, bool wholeScript = false, bool emit = true)
    {
        string text = wholeScript ? script : ScriptTestHelper.ModuleLines + "route {\n" + script + "\n}\n";
        var program = ScriptTestHelper.LoadOk(text);
        new Modules.ModuleCatalog().Configure(program);
        Assert.True(ScriptCompiler.TryCompile(program, emit, out CompiledScript? compiled, out var errors),
            string.Join("\n", errors));
        Script = compiled!;
        Context = Script.CreateContext(Host);
    }

    public CompiledScript Script { get; }

    public FakeHost Host { get; } = new();

    public ScriptContext Context { get; }

    public SipMessage Message { get; } = new();

    public SipEdits Edits { get; } = new();

    public static string Request(string method = "INVITE", string ruri = "sip:bob@example.com", string extra = "") =>
        $"{method} {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9:40000;branch=z9hG4bK-1;rport\r\nMax-Forwards: 70\r\n"
        + $"From: \"Alice A\" <sip:alice@atlanta.example.com>;tag=f1\r\nTo: <sip:bob@biloxi.example.com>\r\n"
        + $"Call-ID: c1@atlanta\r\nCSeq: 314 {method}\r\nUser-Agent: test-ua/1.0\r\n{extra}Content-Length: 0\r\n\r\n";

    /// <summary>Parses and runs one message (text with CRLF line ends); returns the context.</summary>
    public ScriptContext Run(string message, NetAddress? source = null)
    {
        Load(message);
        Execute(source ?? Uac);
        return Context;
    }

    public void Load(string message)
    {
        _length = Encoding.UTF8.GetBytes(message, _buffer);
    }

    /// <summary>Parses the loaded bytes again and runs the script (the zero-allocation loop).</summary>
    public void Execute(in NetAddress source)
    {
        if (Message.Parse(_buffer, 0, _length) != SipError.None)
        {
            Assert.Fail("the test message does not parse");
        }

        Edits.Reset(Message);
        Context.Begin(Message, Edits, source, 0);
        if (Message.IsRequest)
        {
            Script.RunRequest(Context);
        }
        else
        {
            Script.RunReply(Context);
        }
    }

    /// <summary>The message as the edits leave it.</summary>
    public string Output()
    {
        Context.CommitRequestUri();
        var output = new byte[65536];
        int n = SipWriter.Write(Message, Edits, output);
        return Encoding.UTF8.GetString(output, 0, n);
    }

    /// <summary>Runs <c>$var(out) = expr;</c> over a request and returns $var(out) as text.</summary>
    public static string Eval(string expression, string? message = null)
    {
        var run = new ScriptRun($"$var(out) = {expression};\nxlog(\"$var(out)\");");
        run.Run(message ?? Request());
        return run.Host.Logs.Count == 0 ? "<none>" : run.Host.Logs[^1][3..];
    }
}
