using System.Globalization;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hyperproxy.Integration.Tests.Infrastructure;
using Hyperproxy.Tests.EndToEnd;

namespace Hyperproxy.Integration.Tests.Dispatcher;

/// <summary>A dispatching proxy on 127.0.0.1 in front of three callees (set 1, priorities 10, 5, 0).</summary>
internal interface IDispatcherProxy : IAsyncDisposable
{
    int Port { get; }

    string Log { get; }

    /// <summary>Whether the proxy's own view (MI / RPC) shows the destination on <paramref name="port"/> out of service.</summary>
    Task<bool> IsOutOfServiceAsync(int port);
}

/// <summary>Kamailio 5.6 with <c>Scenarios/Dispatcher/kamailio-dispatcher.cfg</c> and a <c>list_file</c> of the same destinations.</summary>
internal sealed class KamailioDispatcherProxy(KamailioPeer peer) : IDispatcherProxy
{
    public int Port => peer.Port;

    public string Log => peer.Output;

    public static IDispatcherProxy Start(string folder, int[] callees)
    {
        string list = Path.Combine(folder, "dispatcher.list");
        File.WriteAllText(list, $"1 sip:127.0.0.1:{callees[0]} 0 10\n1 sip:127.0.0.1:{callees[1]} 0 5\n1 sip:127.0.0.1:{callees[2]} 0 0\n");
        string script = File.ReadAllText(SippRun.Scenario("Dispatcher/kamailio-dispatcher.cfg")).Replace("@LIST@", list, StringComparison.Ordinal);
        return new KamailioDispatcherProxy(KamailioPeer.Start(KamailioPeer.ConfigHead + script, folder));
    }

    public Task<bool> IsOutOfServiceAsync(int port)
    {
        // dispatcher.list: each destination's URI, then its FLAGS (A active, I inactive, D disabled, T/P trying/probing).
        string output = peer.Rpc("dispatcher.list").Output;
        int at = output.IndexOf($"sip:127.0.0.1:{port}", StringComparison.Ordinal);
        if (at < 0)
        {
            return Task.FromResult(false);
        }

        Match flags = Regex.Match(output[at..], @"FLAGS:\s*(\w+)");
        return Task.FromResult(flags.Success && !flags.Groups[1].Value.StartsWith('A'));
    }

    public ValueTask DisposeAsync()
    {
        peer.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Hyperproxy (two workers) with <c>Scenarios/Dispatcher/hyperproxy-dispatcher.cfg</c>, OpenSIPS's db_text table and MI over mi_http.</summary>
internal sealed class HyperproxyDispatcherProxy(HyperproxyProcess server, HttpClient http) : IDispatcherProxy
{
    public int Port => server.Port;

    public string Log => server.ToString();

    public static async Task<IDispatcherProxy> StartAsync(string folder, int[] callees)
    {
        string db = Path.Combine(folder, "db");
        Directory.CreateDirectory(db);
        var table = new StringBuilder("id(int,auto) setid(int) destination(string) socket(string,null) state(int) probe_mode(int) weight(string) priority(int) attrs(string,null) description(string,null)\n");
        int[] priorities = [10, 5, 0];
        for (int i = 0; i < 3; i++)
        {
            table.Append(CultureInfo.InvariantCulture, $"{i + 1}:1:sip\\:127.0.0.1\\:{callees[i]}::0:0:1:{priorities[i]}::callee{i + 1}\n");
        }

        await File.WriteAllTextAsync(Path.Combine(db, "dispatcher"), table.ToString());
        string config = Path.Combine(folder, "hyperproxy-dispatcher.cfg");
        await File.WriteAllTextAsync(config, (await File.ReadAllTextAsync(SippRun.Scenario("Dispatcher/hyperproxy-dispatcher.cfg")))
            .Replace("@DBURL@", "text://" + db, StringComparison.Ordinal));
        HyperproxyProcess server = await HyperproxyProcess.StartOnFreePortAsync(ipv6: false, workers: 2, "--config", config, "--data-dir", folder);
        int httpPort = await Management.ManagedServer.WaitHttpPortAsync(server);
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/"), Timeout = TimeSpan.FromSeconds(20) };
        return new HyperproxyDispatcherProxy(server, http);
    }

    public async Task<bool> IsOutOfServiceAsync(int port)
    {
        using var content = new StringContent("{\"jsonrpc\":\"2.0\",\"method\":\"ds_list\",\"id\":1}", Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await http.PostAsync("mi", content);
        JsonNode answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        foreach (JsonNode? d in answer["result"]!["PARTITIONS"]![0]!["SETS"]![0]!["Destinations"]!.AsArray())
        {
            if ((string?)d!["URI"] == $"sip:127.0.0.1:{port}")
            {
                return (string?)d["state"] != "Active";
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await server.DisposeAsync();
    }
}
