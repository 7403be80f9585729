using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;

namespace Hyperproxy.Bench.Registrar;

/// <summary>
/// A script host that does what the server's send path does, minus the socket: replies are written
/// with <see cref="SipResponseWriter"/>, forwards complete the deferred edits, put our Via on top and
/// write the message out. Counts what it wrote so the benchmarks can check they measured real work.
/// </summary>
public sealed class RegistrarBenchHost : IScriptHost
{
    private static readonly byte[] s_via = "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKbench\r\n"u8.ToArray();

    private readonly byte[] _out = GC.AllocateUninitializedArray<byte>(16384, pinned: true);

    public SipMessage Message { get; } = new();

    public SipEdits Edits { get; } = new();

    public long Written { get; private set; }

    public int LastCode { get; private set; }

    public int Reply(ScriptContext context, int code, ReadOnlySpan<byte> reason)
    {
        int n = SipResponseWriter.Write(Message, Edits, code, reason, "benchtag"u8, context.ReplyHeaders, _out);
        Written += n;
        LastCode = code;
        context.Answered = true;
        return 1;
    }

    public int Forward(ScriptContext context, ReadOnlySpan<byte> destination)
    {
        ReadOnlySpan<byte> target = !destination.IsEmpty ? destination : context.HasDestination ? context.Destination : context.RequestUri;
        if (target.IsEmpty)
        {
            return -4;
        }

        if (context.CompleteDeferred(0) != SipError.None)
        {
            return -1;
        }

        Edits.AddHeaderBefore(Message.FindHeader(HeaderId.Via), s_via);
        context.CommitRequestUri();
        int n = SipWriter.Write(Message, Edits, _out);
        Written += n;
        LastCode = 0;
        context.Answered = true;
        return 1;
    }

    public int Send(ScriptContext context, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> headers) => -1;

    public bool IsMyself(ReadOnlySpan<byte> host, int port) => host.SequenceEqual("127.0.0.1"u8) && (port == 0 || port == 5060);

    public int FindSocket(ReadOnlySpan<byte> socket) => -1;

    public void ForceRport(ScriptContext context) => context.RportForced = true;

    public int SocketCount => 1;

    public NetAddress SocketAddress(int socket) => NetAddress.IPv4Loopback(5060);

    public ReadOnlySpan<byte> AdvertisedHost(int socket) => "127.0.0.1"u8;

    public int AdvertisedPort(int socket) => 5060;

    public bool IsLogEnabled(int level) => false;

    public void Log(int level, ReadOnlySpan<byte> text)
    {
    }
}
