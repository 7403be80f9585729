using System.Text;
using Hyperproxy.Location;
using Hyperproxy.Location.Faster;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;

namespace Hyperproxy.Modules.Tests.Registrar;

/// <summary>
/// Runs a registrar script over request text with a host that writes real replies (so their headers can
/// be read) and forwards like the stateless proxy (deferred edits completed, our Via on top). Sockets:
/// 0 = 127.0.0.1:5060, 1 = 127.0.0.1:5080. A manual clock drives expiry; an in-memory store is attached.
/// </summary>
internal sealed class RegistrarHarness : IScriptHost, IDisposable
{
    private static readonly NetAddress[] s_sockets = [NetAddress.IPv4Loopback(5060), NetAddress.IPv4Loopback(5080)];
    private static readonly byte[][] s_vias =
    [
        Encoding.ASCII.GetBytes("Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKhp\r\n"),
        Encoding.ASCII.GetBytes("Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKhp\r\n"),
    ];

    private readonly SipMessage _message = new();
    private readonly SipEdits _edits = new();
    private readonly byte[] _out = new byte[16384];
    private readonly FasterLocationStore _store;

    public RegistrarHarness(string routes, string modparams = "")
    {
        Catalog = new ModuleCatalog();
        string text = "loadmodule \"sl.so\"\nloadmodule \"rr.so\"\nloadmodule \"path.so\"\nloadmodule \"sipmsgops.so\"\nloadmodule \"usrloc.so\"\nloadmodule \"registrar.so\"\n"
            + modparams + "\n" + routes;
        Script = Catalog.CompileText(text, "t.cfg");
        _store = new FasterLocationStore(new LocationStoreOptions { ExpectedAors = 1024 });
        Catalog.Registrar.UseStore(_store);
        Catalog.Registrar.Clock = Clock;
        Context = Script.CreateContext(this);
    }

    public ManualClock Clock { get; } = new();

    public ModuleCatalog Catalog { get; }

    public CompiledScript Script { get; }

    public ScriptContext Context { get; }

    public List<Sent> Sent { get; } = [];

    /// <summary>When false, replies and forwards are still written to the send buffer but not recorded (no strings).</summary>
    public bool Recording { get; set; } = true;

    /// <summary>Bytes written by the last reply or forward (whether recorded or not).</summary>
    public int LastWritten { get; private set; }

    /// <summary>Runs the script over raw request bytes (CRLF already) without recording anything.</summary>
    public void RunBytes(byte[] bytes, int length, int socket = 0)
    {
        if (_message.Parse(bytes, 0, length) != SipError.None)
        {
            throw new InvalidOperationException("test request does not parse");
        }

        _edits.Reset(_message);
        Context.Begin(_message, _edits, Uac, socket);
        Script.RunRequest(Context);
    }

    public static NetAddress Uac { get; } = NetAddress.FromIPv4(127, 0, 0, 9, 40000);

    /// <summary>Feeds one request (LF line ends become CRLF); returns what was sent.</summary>
    public List<Sent> Run(string request, int socket = 0)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(request.ReplaceLineEndings("\r\n"));
        Sent.Clear();
        if (_message.Parse(bytes, 0, bytes.Length) != SipError.None)
        {
            throw new InvalidOperationException("test request does not parse");
        }

        _edits.Reset(_message);
        Context.Begin(_message, _edits, Uac, socket);
        Script.RunRequest(Context);
        return Sent;
    }

    /// <summary>The single message sent by the last run.</summary>
    public Sent Last => Assert.Single(Sent);

    public int Reply(ScriptContext context, int code, ReadOnlySpan<byte> reason)
    {
        int toTag = code > 100 ? 8 : 0;
        int n = SipResponseWriter.Write(_message, _edits, code, reason, "regtag01"u8[..toTag], context.ReplyHeaders, _out);
        LastWritten = n;
        if (Recording)
        {
            Sent.Add(new Sent(Encoding.UTF8.GetString(_out, 0, n), Uac, context.Socket));
        }

        context.Answered = true;
        return 1;
    }

    public int Forward(ScriptContext context, ReadOnlySpan<byte> destination)
    {
        ReadOnlySpan<byte> target = !destination.IsEmpty ? destination : context.HasDestination ? context.Destination : context.RequestUri;
        if (!Hyperproxy.Modules.Registrar.RegistrarModule.TryHostPort(target, out NetAddress to))
        {
            return -4;
        }

        int socket = context.ForcedSocket >= 0 ? context.ForcedSocket : context.Socket;
        if (context.CompleteDeferred(socket) != SipError.None || context.AddPreloadedRoute() != SipError.None)
        {
            return -1;
        }

        _edits.AddHeaderBefore(_message.FindHeader(HeaderId.Via), s_vias[socket]);
        context.CommitRequestUri();
        int n = SipWriter.Write(_message, _edits, _out);
        LastWritten = n;
        if (Recording)
        {
            Sent.Add(new Sent(Encoding.UTF8.GetString(_out, 0, n), to, socket));
        }

        context.Answered = true;
        return 1;
    }

    public int Send(ScriptContext context, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> headers) => -1;

    public bool IsMyself(ReadOnlySpan<byte> host, int port) => host.SequenceEqual("127.0.0.1"u8) && (port == 0 || port == 5060 || port == 5080);

    public int FindSocket(ReadOnlySpan<byte> socket) => -1;

    public void ForceRport(ScriptContext context) => context.RportForced = true;

    public int SocketCount => s_sockets.Length;

    public NetAddress SocketAddress(int socket) => s_sockets[socket];

    public ReadOnlySpan<byte> AdvertisedHost(int socket) => "127.0.0.1"u8;

    public int AdvertisedPort(int socket) => s_sockets[socket].Port;

    public bool IsLogEnabled(int level) => false;

    public void Log(int level, ReadOnlySpan<byte> text)
    {
    }

    public void Dispose() => _store.Dispose();

    /// <summary>A clock the test moves by hand.</summary>
    internal sealed class ManualClock : LocationClock
    {
        public long Now { get; set; } = 1_700_000_000;

        public override long UnixSeconds => Now;
    }
}
