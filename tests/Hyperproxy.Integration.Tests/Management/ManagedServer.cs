using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests.Management;

/// <summary>
/// The real server with httpd, mi_http, prometheus, statistics and tracer loaded; httpd on port 0 (the kernel
/// picks a free one, read back from the "httpd: listening on" log line). MI calls go over real HTTP.
/// </summary>
internal sealed class ManagedServer : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly string _directory;

    private ManagedServer(HyperproxyProcess process, string directory, int httpPort)
    {
        Process = process;
        _directory = directory;
        HttpPort = httpPort;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/"), Timeout = Bound };
    }

    public HyperproxyProcess Process { get; }

    /// <summary>The server's directory (<c>{DIR}</c> in its script; its --data-dir).</summary>
    public string Directory => _directory;

    public int SipPort => Process.Port;

    public int HttpPort { get; }

    public HttpClient Http { get; }

    public string MiUrl => $"http://127.0.0.1:{HttpPort}/mi";

    public static string Script(string extraModparams = "", string route = DefaultRoute) =>
        "loadmodule \"sl.so\"\nloadmodule \"sipmsgops.so\"\nloadmodule \"registrar.so\"\nloadmodule \"usrloc.so\"\n"
        + "loadmodule \"httpd.so\"\nloadmodule \"mi_http.so\"\nloadmodule \"prometheus.so\"\nloadmodule \"statistics.so\"\n"
        + "loadmodule \"tracer.so\"\nloadmodule \"proto_hep.so\"\n"
        + "modparam(\"httpd\", \"port\", 0)\n"
        + "modparam(\"prometheus\", \"statistics\", \"all\")\n"
        + "modparam(\"statistics\", \"variable\", \"script_requests\")\n"
        + "modparam(\"tracer\", \"trace_id\", \"[tid]uri=file:{DIR}/trace.log\")\n"
        + extraModparams + route;

    public const string DefaultRoute =
        "route {\n  trace(\"tid\", \"t\");\n  update_stat(\"script_requests\", \"+1\");\n  if (is_method(\"REGISTER\")) { save(\"location\"); exit; }\n  sl_send_reply(200, \"OK\");\n}\n";

    public static async Task<ManagedServer> StartAsync(string? script = null, int workers = 2, Action<string>? prepare = null, bool tcp = false)
    {
        string directory = Path.Combine(Path.GetTempPath(), $"hp-mgmt-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        prepare?.Invoke(directory); // files the script reads at start-up
        string config = Path.Combine(directory, "s.cfg");
        await File.WriteAllTextAsync(config, (script ?? Script()).Replace("{DIR}", directory, StringComparison.Ordinal));
        HyperproxyProcess process = tcp
            ? await HyperproxyProcess.StartOnFreePortAsync(port => Task.FromResult<IReadOnlyList<string>?>(
                ["--listen", $"udp:127.0.0.1:{port}", "--listen", $"tcp:127.0.0.1:{port}", "--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "--config", config, "--data-dir", directory]))
            : await HyperproxyProcess.StartOnFreePortAsync(false, workers, "--config", config, "--data-dir", directory);
        return new ManagedServer(process, directory, await WaitHttpPortAsync(process));
    }

    /// <summary>The port httpd picked, read from its "httpd: listening on" log line (bounded; the process is disposed when it never comes).</summary>
    public static async Task<int> WaitHttpPortAsync(HyperproxyProcess process)
    {
        var deadline = DateTime.UtcNow + Bound;
        Match m;
        while (!(m = Regex.Match(process.StandardError, @"httpd: listening on http://127\.0\.0\.1:(\d+)/")).Success)
        {
            if (DateTime.UtcNow > deadline)
            {
                await process.DisposeAsync();
                throw new InvalidOperationException("no httpd line:\n" + process);
            }

            await Task.Delay(20); // polling interval of a bounded wait
        }

        return int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Posts a JSON-RPC body and returns the parsed answer object.</summary>
    public async Task<JsonObject> RawMiAsync(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await Http.PostAsync("mi", content);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return (JsonObject)JsonNode.Parse(text)!;
    }

    /// <summary>Runs one MI command; the result, or an exception naming the error.</summary>
    public async Task<JsonNode?> MiAsync(string method, JsonNode? parameters = null)
    {
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["id"] = 7 };
        if (parameters is not null)
            request["params"] = parameters;
        JsonObject answer = await RawMiAsync(request.ToJsonString());
        if (answer["error"] is JsonObject e)
            throw new InvalidOperationException($"MI {method}: {e.ToJsonString()}");
        return answer["result"];
    }

    public async Task<long> StatAsync(string name)
    {
        JsonNode? r = await MiAsync("get_statistics", new JsonArray(new JsonArray(name)));
        return (long)r![name]!;
    }

    /// <summary>Waits (bounded) until the statistic reaches <paramref name="expected"/>; returns what it read last.</summary>
    public async Task<long> WaitStatAsync(string name, long expected)
    {
        var deadline = DateTime.UtcNow + Bound;
        long value;
        while ((value = await StatAsync(name)) < expected && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        return value;
    }

    public Task<ToolResult> SipsakAsync(params string[] arguments) => ToolRun.RunAsync("sipsak", arguments, Bound);

    public Task<ToolResult> PingAsync() => SipsakAsync("-s", $"sip:ping@127.0.0.1:{SipPort}");

    public Task<ToolResult> RegisterAsync(string user, string contactHost) =>
        SipsakAsync("-U", "-C", $"sip:{user}@{contactHost}", "-s", $"sip:{user}@127.0.0.1:{SipPort}", "-x", "600");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Process.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
