using Hyperproxy.Sip;

namespace Hyperproxy.Script.Runtime;

/// <summary>
/// What the compiled script needs from the server: the network actions (replies, stateless
/// forwarding, sending), "is this me", the sockets, and logging. One instance per worker; every
/// call happens on the worker's thread during <see cref="CompiledScript.RunRequest"/> or
/// <see cref="CompiledScript.RunReply"/>. Results follow the script's truth rule (&gt; 0 success,
/// &lt; 0 failure; never 0 unless the script must stop).
/// </summary>
public interface IScriptHost
{
    /// <summary>sl_send_reply: a stateless reply to the request (with <see cref="ScriptContext.ReplyHeaders"/>).</summary>
    int Reply(ScriptContext context, int code, ReadOnlySpan<byte> reason);

    /// <summary>
    /// A stateless reply that must not leave before a store write is durable (the 200 OK of a REGISTER
    /// in sync durability): <paramref name="commitTicket"/> is the write's ticket (0 = already durable).
    /// A host without a durable store sends at once.
    /// </summary>
    int ReplyWhenDurable(ScriptContext context, int code, ReadOnlySpan<byte> reason, long commitTicket) => Reply(context, code, reason);

    /// <summary>True when the host can park a request that a module suspends (<see cref="ScriptContext.Suspend"/>)
    /// and run it again later; otherwise modules wait for their answers.</summary>
    bool CanPark => false;

    /// <summary>Number of listening sockets (valid socket indexes are 0 .. SocketCount-1).</summary>
    int SocketCount => int.MaxValue;

    /// <summary>
    /// forward(): stateless relay (RFC 3261 §16.11) to <paramref name="destination"/>
    /// (<c>[proto:]host[:port]</c>, empty for none), else <c>$du</c>, else the Route set / R-URI.
    /// On failure the reason goes to <see cref="ScriptContext.SetError"/> (for sl_reply_error).
    /// </summary>
    int Forward(ScriptContext context, ReadOnlySpan<byte> destination);

    /// <summary>send(): the message as it is (edits applied, no Via added) to a destination, with extra headers.</summary>
    int Send(ScriptContext context, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> headers);

    /// <summary>True when host (and port; 0 = any of ours) names this proxy.</summary>
    bool IsMyself(ReadOnlySpan<byte> host, int port);

    /// <summary>force_send_socket / <c>$socket_out</c>: the index of the listening socket <c>[proto:]host[:port]</c>, or -1.</summary>
    int FindSocket(ReadOnlySpan<byte> socket);

    /// <summary>force_rport(): rport/received on the top Via now, replies to the source port.</summary>
    void ForceRport(ScriptContext context);

    /// <summary>
    /// force_tcp_alias([port]): the TCP/TLS connection the request came on also answers to its source address with
    /// <paramref name="port"/> (0: the top Via's port), RFC 5923. 1 when added, -1 when the request came over UDP or
    /// the connection is gone.
    /// </summary>
    int AddConnectionAlias(ScriptContext context, int port) => -1;

    /// <summary>True while stream connection <paramref name="connection"/> is open (RFC 5626: a flow over TCP/TLS lives as long as it).</summary>
    bool IsConnectionOpen(long connection) => false;

    /// <summary>The address a socket is bound to.</summary>
    NetAddress SocketAddress(int socket);

    /// <summary>The host a socket advertises (Via, Record-Route).</summary>
    ReadOnlySpan<byte> AdvertisedHost(int socket);

    int AdvertisedPort(int socket);

    /// <summary>The lower-case transport of a socket that is not UDP (<c>tcp</c>, <c>tls</c> ...); empty for UDP.</summary>
    ReadOnlySpan<byte> SocketTransport(int socket) => default;

    /// <summary><c>$stat(name)</c>: the current value of a statistic; false (NULL in the script) when the host has no such counter.</summary>
    bool TryGetStatistic(ReadOnlySpan<byte> name, out long value)
    {
        value = 0;
        return false;
    }

    /// <summary>The server's statistics (update_stat/reset_stat, module counters); null when the host has none (tests).</summary>
    Statistics.StatisticsRegistry? Statistics => null;

    /// <summary>True when messages of this level (-3 alert .. 4 debug) would be written.</summary>
    bool IsLogEnabled(int level);

    /// <summary>Writes a log line (xlog, log, run-time errors); cold path.</summary>
    void Log(int level, ReadOnlySpan<byte> text);
}
