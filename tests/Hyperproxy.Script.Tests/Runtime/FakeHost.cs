using System.Text;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Script.Tests.Runtime;

/// <summary>An <see cref="IScriptHost"/> that records what the script asked for: the proxy is 127.0.0.1:5060 (socket 0).</summary>
internal sealed class FakeHost : IScriptHost
{
    public List<(int Code, string Reason, string Headers)> Replies { get; } = [];

    public List<(string Destination, string Uri, string Du)> Forwards { get; } = [];

    public List<string> Logs { get; } = [];

    public bool Recording { get; set; } = true;

    public int ReplyCount { get; private set; }

    public int ForwardResult { get; set; } = 1;

    public int Reply(ScriptContext context, int code, ReadOnlySpan<byte> reason)
    {
        ReplyCount++;
        if (Recording)
        {
            Replies.Add((code, Encoding.UTF8.GetString(reason), Encoding.UTF8.GetString(context.ReplyHeaders)));
        }

        return 1;
    }

    public int Forward(ScriptContext context, ReadOnlySpan<byte> destination)
    {
        if (Recording)
        {
            Forwards.Add((Encoding.UTF8.GetString(destination), Encoding.UTF8.GetString(context.RequestUri), Encoding.UTF8.GetString(context.Destination)));
        }

        if (ForwardResult < 0)
        {
            context.SetError(478, "Unresolvable Destination"u8.ToArray());
        }

        return ForwardResult;
    }

    public int Send(ScriptContext context, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> headers) => 1;

    public bool IsMyself(ReadOnlySpan<byte> host, int port) =>
        (host.SequenceEqual("127.0.0.1"u8) || host.SequenceEqual("proxy.example.com"u8)) && (port == 0 || port == 5060);

    public int FindSocket(ReadOnlySpan<byte> socket) => socket.SequenceEqual("udp:127.0.0.1:5060"u8) ? 0 : -1;

    public void ForceRport(ScriptContext context) => context.RportForced = true;

    public NetAddress SocketAddress(int socket) => NetAddress.IPv4Loopback(5060);

    public ReadOnlySpan<byte> AdvertisedHost(int socket) => "127.0.0.1"u8;

    public int AdvertisedPort(int socket) => 5060;

    public bool IsLogEnabled(int level) => Recording;

    /// <summary>A registry when a test gives one (update_stat, reset_stat, $stat read it).</summary>
    public Hyperproxy.Script.Statistics.StatisticsRegistry? Statistics { get; set; }

    /// <summary><c>$stat(rcv_requests)</c> reads 42 (without a registry); every other statistic is unknown.</summary>
    public bool TryGetStatistic(ReadOnlySpan<byte> name, out long value)
    {
        if (Statistics?.Find(name) is { } s)
        {
            value = s.Read();
            return true;
        }

        value = name.SequenceEqual("rcv_requests"u8) ? 42 : 0;
        return value != 0;
    }

    public void Log(int level, ReadOnlySpan<byte> text) => Logs.Add(level + " " + Encoding.UTF8.GetString(text));
}
