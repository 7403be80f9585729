using System.Text;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;

namespace Hyperproxy.Modules.Tests;

/// <summary>
/// Runs a script compiled with the modules over request text, with a host that behaves like the
/// stateless proxy's send path: sockets 0 = 127.0.0.1:5060, 1 = [::1]:5060, 2 = 127.0.0.1:5080
/// (advertised as <c>edge.example.com:5080</c> when <c>advertiseThird</c>); forward() goes to the
/// given destination, else <c>$du</c>, else the R-URI (numeric hosts only), from the forced socket
/// or the receiving one when the family fits; deferred edits complete, our Via goes on top, the
/// message is written out.
/// </summary>
internal sealed class ModuleHarness : IScriptHost
{
    private static readonly NetAddress[] s_sockets =
        [NetAddress.IPv4Loopback(5060), NetAddress.IPv6Loopback(5060), NetAddress.IPv4Loopback(5080)];

    private readonly SipMessage _message = new();
    private readonly SipEdits _edits = new();
    private readonly byte[] _out = new byte[16384];
    private readonly bool _advertiseThird;

    public ModuleHarness(string routes, string modparams = "", bool advertiseThird = false)
    {
        Catalog = new ModuleCatalog();
        string text = "loadmodule \"sl.so\"\nloadmodule \"rr.so\"\nloadmodule \"path.so\"\nloadmodule \"sipmsgops.so\"\n" + modparams + "\n" + routes;
        Script = Catalog.CompileText(text, "t.cfg");
        Context = Script.CreateContext(this);
        _advertiseThird = advertiseThird;
    }

    public ModuleCatalog Catalog { get; }

    public CompiledScript Script { get; }

    public ScriptContext Context { get; }

    public List<Sent> Sent { get; } = [];

    public List<string> Logs { get; } = [];

    public bool Recording { get; set; } = true;

    /// <summary>Requests forwarded (written with our Via), recorded or not.</summary>
    public long Forwarded { get; private set; }

    public static NetAddress Uac { get; } = NetAddress.FromIPv4(127, 0, 0, 9, 40000);

    /// <summary>Feeds one request (LF line ends become CRLF) arriving on <paramref name="socket"/>; returns what was sent.</summary>
    public List<Sent> Run(string request, int socket = 0, NetAddress? from = null)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(request.ReplaceLineEndings("\r\n"));
        Sent.Clear();
        RunBytes(bytes, bytes.Length, socket, from ?? Uac);
        return Sent;
    }

    public void RunBytes(byte[] bytes, int length, int socket, in NetAddress from) => RunBytes(bytes, length, socket, from, Context);

    /// <summary>As <see cref="RunBytes(byte[], int, int, in NetAddress)"/> in another context of the same script (another worker).</summary>
    public void RunBytes(byte[] bytes, int length, int socket, in NetAddress from, ScriptContext context)
    {
        Check(_message.Parse(bytes, 0, length) == SipError.None);
        _edits.Reset(_message);
        context.Begin(_message, _edits, from, socket);
        Script.RunRequest(context);
    }

    public int Reply(ScriptContext context, int code, ReadOnlySpan<byte> reason)
    {
        if (Recording)
        {
            Sent.Add(new Sent($"SIP/2.0 {code} {Encoding.UTF8.GetString(reason)}\r\n{Encoding.UTF8.GetString(context.ReplyHeaders)}", default, context.Socket));
        }

        return 1;
    }

    public int Forward(ScriptContext context, ReadOnlySpan<byte> destination)
    {
        ReadOnlySpan<byte> target = !destination.IsEmpty ? destination : context.HasDestination ? context.Destination : context.RequestUri;
        if (!TryAddress(target, out NetAddress to))
        {
            return -4;
        }

        int socket = context.ForcedSocket >= 0 && s_sockets[context.ForcedSocket].Family == to.Family ? context.ForcedSocket
            : s_sockets[context.Socket].Family == to.Family ? context.Socket
            : to.IsIPv6 ? 1 : 0;
        return Write(context, to, socket, true);
    }

    public int Send(ScriptContext context, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> headers) =>
        TryAddress(destination, out NetAddress to) ? Write(context, to, to.IsIPv6 ? 1 : 0, false) : -1;

    public bool IsMyself(ReadOnlySpan<byte> host, int port)
    {
        if (_advertiseThird && Ascii.EqualsIgnoreCase(host, "edge.example.com"u8) && (port == 0 || port == 5080))
        {
            return true;
        }

        if (!NetAddress.TryParse(host, 0, out NetAddress a))
        {
            return Ascii.EqualsIgnoreCase(host, "proxy.example.com"u8) && (port == 0 || port == 5060);
        }

        foreach (NetAddress s in s_sockets)
        {
            if (s.HostEquals(a) && (port == 0 || port == s.Port))
            {
                return true;
            }
        }

        return false;
    }

    public int FindSocket(ReadOnlySpan<byte> socket)
    {
        if (socket.StartsWith("udp:"u8))
        {
            socket = socket[4..];
        }

        if (_advertiseThird && socket.SequenceEqual("edge.example.com:5080"u8))
        {
            return 2;
        }

        if (!NetAddress.TryParseHostPort(socket, out NetAddress a))
        {
            return -1;
        }

        return Array.IndexOf(s_sockets, a);
    }

    public void ForceRport(ScriptContext context) => context.RportForced = true;

    public NetAddress SocketAddress(int socket) => s_sockets[socket];

    public ReadOnlySpan<byte> AdvertisedHost(int socket) => socket switch
    {
        0 => "127.0.0.1"u8,
        1 => "[::1]"u8,
        _ => _advertiseThird ? "edge.example.com"u8 : "127.0.0.1"u8,
    };

    public int AdvertisedPort(int socket) => s_sockets[socket].Port;

    public bool IsLogEnabled(int level) => true;

    public void Log(int level, ReadOnlySpan<byte> text)
    {
        if (Recording)
        {
            Logs.Add(Encoding.UTF8.GetString(text));
        }
    }

    private int Write(ScriptContext context, in NetAddress to, int socket, bool via)
    {
        if (context.CompleteDeferred(socket) != SipError.None || context.AddPreloadedRoute() != SipError.None)
        {
            return -1;
        }

        if (via)
        {
            byte[] line = s_vias[socket];
            Check(_edits.AddHeaderBefore(_message.FindHeader(HeaderId.Via), line) == SipError.None);
        }

        Check(context.CommitRequestUri() == SipError.None);
        int n = SipWriter.Write(_message, _edits, _out);
        Check(n > 0);
        if (Recording)
        {
            Sent.Add(new Sent(Encoding.UTF8.GetString(_out, 0, n), to, socket));
        }

        if (via)
        {
            Forwarded++;
        }

        context.Answered = true;
        return 1;
    }

    private static readonly byte[][] s_vias =
    [
        "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKhp\r\n"u8.ToArray(),
        "Via: SIP/2.0/UDP [::1]:5060;branch=z9hG4bKhp\r\n"u8.ToArray(),
        "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKhp\r\n"u8.ToArray(),
    ];

    /// <summary>An assertion that does not allocate when it holds (xunit's Assert.Equal does).</summary>
    private static void Check(bool condition)
    {
        if (!condition)
        {
            throw new Xunit.Sdk.XunitException("harness step failed");
        }
    }

    /// <summary><c>sip:host[:port][;params]</c> or <c>host[:port]</c> with a numeric host.</summary>
    private static bool TryAddress(ReadOnlySpan<byte> target, out NetAddress address)
    {
        address = default;
        if (SipUri.TryParse(target, out SipUri uri) && uri.Host.IsPresent)
        {
            int port = uri.PortNumber == 0 ? 5060 : uri.PortNumber;
            return NetAddress.TryParse(target.Slice(uri.Host.Start, uri.Host.Length), port, out address);
        }

        return NetAddress.TryParseHostPort(target, out address) || NetAddress.TryParse(target, 5060, out address);
    }
}
