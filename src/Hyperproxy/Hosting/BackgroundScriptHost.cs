using Hyperproxy.Proxy;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Hosting;

/// <summary>
/// The <see cref="IScriptHost"/> of the message-less blocks (startup_route, timer_route): there is
/// no request to answer or relay, so the network actions fail (-1); "is this me", the sockets,
/// logging and the (global) statistics work as on a worker.
/// </summary>
public sealed class BackgroundScriptHost : IScriptHost
{
    private readonly ProxyIdentity _identity;
    private readonly ProxyCounters[] _counters;
    private readonly Location.ILocationStore? _store;
    private readonly Location.DurableReplyStats[]? _replyStats;

    /// <param name="identity">The sockets and names of this proxy.</param>
    /// <param name="counters">The workers' counters, which <c>$stat(...)</c> sums; none: every statistic reads 0.</param>
    /// <param name="store">The location store, for the usrloc statistics (none: they are unknown).</param>
    /// <param name="replyStats">The workers' durable-reply figures (usrloc's parked_reply_* statistics).</param>
    public BackgroundScriptHost(ProxyIdentity identity, ProxyCounters[]? counters = null, Location.ILocationStore? store = null,
        Location.DurableReplyStats[]? replyStats = null, Script.Statistics.StatisticsRegistry? statistics = null)
    {
        Statistics = statistics;
        _identity = identity;
        _counters = counters ?? [];
        _store = store;
        _replyStats = replyStats;
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

    /// <summary>The server's statistics; startup_route and timer_route count in the registry's shared row.</summary>
    public Script.Statistics.StatisticsRegistry? Statistics { get; }

    public bool TryGetStatistic(ReadOnlySpan<byte> name, out long value) =>
        ProxyStatistics.TryRead(Statistics, _counters, _store, _replyStats, name, out value);

    public bool IsLogEnabled(int level) => Hosting.Log.IsScriptLevelEnabled(level);

    public void Log(int level, ReadOnlySpan<byte> text) => Hosting.Log.WriteScript(level, text);
}
