using Hyperproxy.Proxy;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Hosting;

/// <summary>
/// The <see cref="IScriptHost"/> of the message-less blocks (startup_route, timer_route): there is
/// no request to answer or relay, so the network actions fail (-1); "is this me", the sockets and
/// logging work as on a worker.
/// </summary>
public sealed class BackgroundScriptHost : IScriptHost
{
    private readonly ProxyIdentity _identity;

    public BackgroundScriptHost(ProxyIdentity identity)
    {
        _identity = identity;
    }

    public int SocketCount => _identity.SocketCount;

    public int Reply(ScriptContext context, int code, ReadOnlySpan<byte> reason) => -1;

    public int Forward(ScriptContext context, ReadOnlySpan<byte> destination) => -1;

    public int Send(ScriptContext context, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> headers) => -1;

    public bool IsMyself(ReadOnlySpan<byte> host, int port) => _identity.IsMyself(host, port);

    public int FindSocket(ReadOnlySpan<byte> socket) => -1;

    public void ForceRport(ScriptContext context) => context.RportForced = true;

    public NetAddress SocketAddress(int socket) => _identity.Bound(socket);

    public ReadOnlySpan<byte> AdvertisedHost(int socket) => _identity.AdvertisedHost(socket);

    public int AdvertisedPort(int socket) => _identity.AdvertisedPort(socket);

    public bool IsLogEnabled(int level) => Hosting.Log.IsScriptLevelEnabled(level);

    public void Log(int level, ReadOnlySpan<byte> text) => Hosting.Log.WriteScript(level, text);
}
