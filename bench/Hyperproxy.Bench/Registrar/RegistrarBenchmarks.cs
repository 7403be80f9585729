using System.Diagnostics;
using System.Text;
using BenchmarkDotNet.Attributes;
using Hyperproxy.Location;
using Hyperproxy.Location.Faster;
using Hyperproxy.Modules;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Bench.Registrar;

/// <summary>
/// The registrar through the compiled script, as the server runs it, against a FASTER store holding
/// 1M AoRs (durability none, one session): save("location","p1v") of a REGISTER with 2 Path entries
/// that updates an existing binding (CSeq rising, 200 OK written with Contact and Path), and
/// lookup("location") of an INVITE forwarded with the stored Path as its Route set. Each operation
/// parses its request; the AoR moves through the 1M in a stride so the store is not cache-resident.
/// Baseline: parse and bind the context. Setup prints the process RSS with the 1M AoRs loaded.
/// Run: dotnet run -c Release -- --filter '*RegistrarBenchmarks*' (built with --artifacts-path: run the dll with --inProcess).
/// 2026-11-23, --job short --inProcess, shared 2-vCPU EPYC (load 2.6): ParseAndBind 201 ns, save 1655 ns, lookup 907 ns, 0 B each.
/// </summary>
[MemoryDiagnoser]
public class RegistrarBenchmarks
{
    private const int Aors = 1_000_000;
    private const int Batch = 1024;
    private const string UserMarker = "u0000000";
    private const string CSeqMarker = "CSeq: 100000000 ";

    private const string Routes = "route {\n"
        + "  if (is_method(\"REGISTER\")) { save(\"location\", \"p1v\"); exit; }\n"
        + "  if (!lookup(\"location\")) { sl_send_reply(404, \"Not Found\"); exit; }\n"
        + "  forward();\n"
        + "}\n";

    private static readonly NetAddress s_source = NetAddress.FromIPv4(198, 51, 100, 7, 40000);

    private readonly ModuleCatalog _catalog = new();
    private readonly RegistrarBenchHost _host = new();
    private FasterLocationStore _store = null!;
    private CompiledScript _script = null!;
    private ScriptContext _context = null!;
    private byte[] _register = null!;
    private byte[] _invite = null!;
    private int[] _registerUsers = null!;
    private int _registerCSeq;
    private int _inviteUser;
    private int _next;
    private int _cseq = 100_000_000;

    public static string Register() =>
        "REGISTER sip:example.com SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK-p1-1\r\n"
        + "Via: SIP/2.0/UDP 10.0.0.10:5062;received=198.51.100.7;rport=40000;branch=z9hG4bK-ua-1\r\n"
        + "Path: <sip:192.0.2.2;lr>\r\n"
        + "Path: <sip:192.0.2.1:5070;lr;received=sip:198.51.100.7:40000>\r\n"
        + "Max-Forwards: 69\r\n"
        + "From: <sip:" + UserMarker + "@example.com>;tag=f1\r\n"
        + "To: <sip:" + UserMarker + "@example.com>\r\n"
        + "Call-ID: reg-" + UserMarker + "@10.0.0.10\r\n"
        + CSeqMarker + "REGISTER\r\n"
        + "Contact: <sip:" + UserMarker + "@10.0.0.10:5062>;expires=3600\r\n"
        + "Supported: path\r\n"
        + "Content-Length: 0\r\n\r\n";

    public static string Invite() =>
        "INVITE sip:" + UserMarker + "@example.com SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 192.0.2.20:5070;branch=z9hG4bK-i1\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: <sip:bob@example.com>;tag=b1\r\n"
        + "To: <sip:" + UserMarker + "@example.com>\r\n"
        + "Call-ID: inv-1@192.0.2.20\r\n"
        + "CSeq: 1 INVITE\r\n"
        + "Content-Length: 0\r\n\r\n";

    [GlobalSetup]
    public void Setup()
    {
        string loads = "loadmodule \"sl.so\"\nloadmodule \"sipmsgops.so\"\nloadmodule \"rr.so\"\nloadmodule \"path.so\"\n"
            + "loadmodule \"usrloc.so\"\nloadmodule \"registrar.so\"\nmodparam(\"registrar\", \"min_expires\", 10)\n";
        _script = _catalog.CompileText(loads + Routes, "bench.cfg");
        _store = new FasterLocationStore(new LocationStoreOptions { Durability = Durability.None, ExpectedAors = Aors });
        _catalog.Registrar.UseStore(_store);
        _context = _script.CreateContext(_host);

        string register = Register();
        _register = Encoding.ASCII.GetBytes(register);
        _registerUsers = Offsets(register, UserMarker);
        _registerCSeq = register.IndexOf(CSeqMarker, StringComparison.Ordinal) + "CSeq: ".Length;
        string invite = Invite();
        _invite = Encoding.ASCII.GetBytes(invite);
        _inviteUser = invite.IndexOf(UserMarker, StringComparison.Ordinal) + 1;

        // Fill the table through the module itself: one binding with 2 Path entries per AoR.
        var clock = Stopwatch.StartNew();
        for (int user = 0; user < Aors; user++)
        {
            RunRegister(user);
            if (_host.LastCode != 200)
            {
                throw new InvalidOperationException($"save answered {_host.LastCode} while loading user {user}");
            }
        }

        RunInvite(12345);
        if (_host.LastCode != 0)
        {
            throw new InvalidOperationException($"lookup answered {_host.LastCode}");
        }

        GC.Collect();
        using var self = Process.GetCurrentProcess();
        Console.WriteLine($"// registrar: {Aors} AoRs saved through the script in {clock.Elapsed.TotalSeconds:F1} s, "
            + $"RSS {self.WorkingSet64 >> 20} MiB, store log {_store.LogBytes >> 20} MiB");
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    public long ParseAndBind()
    {
        long total = 0;
        for (int i = 0; i < Batch; i++)
        {
            WriteDigits(_register, _registerUsers[0], Next(), 7);
            _host.Message.Parse(_register, 0, _register.Length);
            _host.Edits.Reset(_host.Message);
            _context.Begin(_host.Message, _host.Edits, s_source, 0);
            total += _host.Edits.Count;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public long SaveRegisterWithTwoPaths()
    {
        long before = _host.Written;
        for (int i = 0; i < Batch; i++)
        {
            RunRegister(Next());
        }

        return _host.Written - before;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public long LookupInvite()
    {
        long before = _host.Written;
        for (int i = 0; i < Batch; i++)
        {
            RunInvite(Next());
        }

        return _host.Written - before;
    }

    private void RunRegister(int user)
    {
        foreach (int at in _registerUsers)
        {
            WriteDigits(_register, at, user, 7);
        }

        WriteDigits(_register, _registerCSeq, ++_cseq, 9);
        Run(_register);
    }

    private void RunInvite(int user)
    {
        WriteDigits(_invite, _inviteUser, user, 7);
        Run(_invite);
    }

    private void Run(byte[] request)
    {
        _host.Message.Parse(request, 0, request.Length);
        _host.Edits.Reset(_host.Message);
        _context.Begin(_host.Message, _host.Edits, s_source, 0);
        _script.RunRequest(_context);
    }

    private int Next()
    {
        int n = _next + 7919;
        _next = n >= Aors ? n - Aors : n;
        return _next;
    }

    private static void WriteDigits(byte[] buffer, int at, int value, int width)
    {
        for (int i = width - 1; i >= 0; i--)
        {
            buffer[at + i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    private static int[] Offsets(string text, string marker)
    {
        var found = new List<int>();
        for (int at = text.IndexOf(marker, StringComparison.Ordinal); at >= 0; at = text.IndexOf(marker, at + 1, StringComparison.Ordinal))
        {
            found.Add(at + 1);
        }

        return found.ToArray();
    }
}
