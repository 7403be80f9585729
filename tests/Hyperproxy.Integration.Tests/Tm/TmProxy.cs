using System.Globalization;
using Hyperproxy.Integration.Tests.Infrastructure;
using Hyperproxy.Tests.EndToEnd;

namespace Hyperproxy.Integration.Tests.Tm;

/// <summary>A transaction-stateful proxy on 127.0.0.1 running one of the tm scripts of Scenarios/Tm.</summary>
internal interface ITmProxy : IAsyncDisposable
{
    int Port { get; }

    /// <summary>What the proxy logged so far, for assertion messages.</summary>
    string Log { get; }
}

/// <summary>Kamailio 5.6 running <c>Scenarios/Tm/kamailio-tm.cfg</c> after <see cref="KamailioPeer.ConfigHead"/>.</summary>
internal sealed class KamailioTmProxy(KamailioPeer peer) : ITmProxy
{
    public int Port => peer.Port;

    public string Log => peer.Output;

    public static ITmProxy Start(string folder, int callee2Port)
    {
        string script = File.ReadAllText(SippRun.Scenario("Tm/kamailio-tm.cfg"))
            .Replace("@CALLEE2@", callee2Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        return new KamailioTmProxy(KamailioPeer.Start(KamailioPeer.ConfigHead + script, folder));
    }

    public ValueTask DisposeAsync()
    {
        peer.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Hyperproxy (two workers, so replies often land on another worker than their transaction) running <c>Scenarios/Tm/hyperproxy-tm.cfg</c>.</summary>
internal sealed class HyperproxyTmProxy(HyperproxyProcess server) : ITmProxy
{
    public int Port => server.Port;

    public string Log => server.ToString();

    public static async Task<ITmProxy> StartAsync(string folder, int callee2Port)
    {
        string config = Path.Combine(folder, "hyperproxy-tm.cfg");
        await File.WriteAllTextAsync(config, (await File.ReadAllTextAsync(SippRun.Scenario("Tm/hyperproxy-tm.cfg")))
            .Replace("@CALLEE2@", callee2Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        return new HyperproxyTmProxy(await HyperproxyProcess.StartOnFreePortAsync(ipv6: false, workers: 2, "--config", config));
    }

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
