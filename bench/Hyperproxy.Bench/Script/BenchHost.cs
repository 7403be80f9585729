using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Bench.Script;

/// <summary>A host whose network actions only count: the benchmark measures the script's decision, not the I/O.</summary>
public sealed class BenchHost : IScriptHost
{
    public long Replies { get; private set; }

    public long Forwards { get; private set; }

    public int Reply(ScriptContext context, int code, ReadOnlySpan<byte> reason)
    {
        Replies++;
        return 1;
    }

    public int Forward(ScriptContext context, ReadOnlySpan<byte> destination)
    {
        Forwards++;
        return 1;
    }

    public int Send(ScriptContext context, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> headers) => 1;

    public bool IsMyself(ReadOnlySpan<byte> host, int port) => host.SequenceEqual("127.0.0.1"u8) && (port == 0 || port == 5060);

    public int FindSocket(ReadOnlySpan<byte> socket) => -1;

    public void ForceRport(ScriptContext context) => context.RportForced = true;

    public NetAddress SocketAddress(int socket) => NetAddress.IPv4Loopback(5060);

    public ReadOnlySpan<byte> AdvertisedHost(int socket) => "127.0.0.1"u8;

    public int AdvertisedPort(int socket) => 5060;

    public bool IsLogEnabled(int level) => false;

    public void Log(int level, ReadOnlySpan<byte> text)
    {
    }
}
