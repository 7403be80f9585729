using System.CommandLine;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hyperproxy.Cli;

/// <summary>
/// <c>hyperproxy ctl COMMAND [PARAMS...]</c> (alias <c>mi</c>): one MI command over mi_http, as
/// <c>opensips-cli -x mi</c> does. Parameters that are all <c>name=value</c> go as a named object, others
/// positionally; for the commands whose parameter is a list (get_statistics, list_statistics,
/// reset_statistics) the words become that one list. Results print as readable tables (statistics, ps,
/// ul_dump) or indented JSON; <c>--json</c> prints the raw result for scripts. Exit 0 on a result, 1 on an MI
/// error or when the server cannot be reached.
/// </summary>
internal static class CtlCommand
{
    public const string DefaultUrl = "http://127.0.0.1:8888/mi";
    private static readonly string[] s_listCommands = ["get_statistics", "list_statistics", "reset_statistics", "trace_start"];

    public static Command Build()
    {
        var command = new Argument<string>("COMMAND") { Description = "The MI command (get_statistics, ps, ul_dump, which, ...)." };
        var parameters = new Argument<string[]>("PARAMS") { Description = "Its parameters: positional words, or name=value pairs.", Arity = ArgumentArity.ZeroOrMore };
        var url = new Option<string>("--url", "-u") { Description = $"mi_http's address (default {DefaultUrl}).", DefaultValueFactory = _ => DefaultUrl };
        var json = new Option<bool>("--json", "-j") { Description = "Print the result as JSON, unformatted (for scripts)." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the answer (default 10).", DefaultValueFactory = _ => 10 };
        var busyWarning = new Option<double>("--busy-warning") { Description = "check: WARNING when a worker is this busy (%, default 80).", DefaultValueFactory = _ => 80 };
        var busyCritical = new Option<double>("--busy-critical") { Description = "check: CRITICAL when a worker is this busy (%, default 95).", DefaultValueFactory = _ => 95 };
        var dropWarning = new Option<double>("--drop-warning") { Description = "check: WARNING when this share of received messages was dropped or malformed (%, default 1).", DefaultValueFactory = _ => 1 };
        var dropCritical = new Option<double>("--drop-critical") { Description = "check: CRITICAL at this share (%, default 5).", DefaultValueFactory = _ => 5 };
        var minRegistered = new Option<long>("--min-registered") { Description = "check: WARNING when fewer AoRs are registered (default 0).", DefaultValueFactory = _ => 0 };
        var pcap = new Option<string?>("--pcap") { Description = "trace: switch tracing on and write what the server traces to this pcap file until Ctrl-C." };
        var count = new Option<long>("--count") { Description = "trace --pcap: stop after this many messages (default: no bound)." };
        var duration = new Option<double>("--duration") { Description = "trace --pcap: stop after this many seconds (default: no bound)." };
        var ctl = new Command("ctl", "Run one management (MI) command on a running server, as 'opensips-cli -x mi' does: 'ctl get_statistics core:', 'ctl ps', 'ctl ul_dump'; "
            + "'ctl check' is a Nagios check (exit 0 OK, 1 WARNING, 2 CRITICAL).")
        {
            command, parameters, url, json, timeout, busyWarning, busyCritical, dropWarning, dropCritical, minRegistered, pcap, count, duration,
        };
        ctl.Aliases.Add("mi");
        ctl.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            TextWriter error = parse.InvocationConfiguration.Error;
            string method = parse.GetValue(command)!;
            string target = parse.GetValue(url)!;
            bool check = method == "check";
            if (parse.GetValue(pcap) is { } pcapPath)
            {
                if (method != "trace")
                {
                    error.WriteLine("hyperproxy ctl: --pcap goes with the trace command: hyperproxy ctl trace --pcap FILE");
                    return HyperproxyCli.FailureExit;
                }

                return CtlTrace.Run(target, pcapPath, parse.GetValue(count), parse.GetValue(duration),
                    TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout))), output, error);
            }

            if (method == "ul_dump" && (parse.GetValue(parameters) ?? []).Length == 0 && !check)
                return CtlDump.Run(target, parse.GetValue(json), TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout))), output, error);
            JsonNode? request = check ? Request("get_statistics", ["all"]) : Request(method, parse.GetValue(parameters) ?? []);
            string body;
            try
            {
                // t_uac_dlg answers with the callee's final or tm's 408 after fr_timeout (30 s by default): wait longer unless told.
                int seconds = method == "t_uac_dlg" && parse.GetResult(timeout) is null or { Implicit: true } ? 150 : parse.GetValue(timeout);
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(Math.Max(1, seconds)) };
                using var content = new StringContent(request!.ToJsonString(), Encoding.UTF8, "application/json");
                using HttpResponseMessage response = http.PostAsync(target, content).GetAwaiter().GetResult();
                body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                if (!response.IsSuccessStatusCode)
                {
                    error.WriteLine($"hyperproxy ctl: {target} answered {(int)response.StatusCode} {response.ReasonPhrase}: {body.Trim()}");
                    return HyperproxyCli.FailureExit;
                }
            }
            catch (Exception e) when (check && e is HttpRequestException or TaskCanceledException or UriFormatException or InvalidOperationException)
            {
                output.WriteLine($"HYPERPROXY CRITICAL - cannot reach {target}: {e.Message}");
                return 2;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException or InvalidOperationException)
            {
                error.WriteLine($"hyperproxy ctl: cannot reach the management interface at {target}: {e.Message} "
                    + "(is the server running with loadmodule \"httpd.so\" and \"mi_http.so\"? --url sets the address)");
                return HyperproxyCli.FailureExit;
            }

            JsonNode? answer;
            try
            {
                answer = JsonNode.Parse(body);
            }
            catch (JsonException)
            {
                error.WriteLine($"hyperproxy ctl: {target} did not answer JSON-RPC: {body.Trim()}");
                return HyperproxyCli.FailureExit;
            }

            if (answer is JsonObject a && a["error"] is JsonObject failure)
            {
                error.WriteLine($"hyperproxy ctl: {method}: error {failure["code"]}: {failure["message"]}");
                return HyperproxyCli.FailureExit;
            }

            JsonNode? result = answer is JsonObject o ? o["result"] : null;
            if (check)
            {
                return CtlCheck.Evaluate(result as JsonObject ?? [], new CtlCheck.Thresholds(parse.GetValue(busyWarning), parse.GetValue(busyCritical),
                    parse.GetValue(dropWarning), parse.GetValue(dropCritical), parse.GetValue(minRegistered)), output);
            }

            if (parse.GetValue(json))
                output.WriteLine(result?.ToJsonString() ?? "null");
            else
                Print(method, result, output);
            return 0;
        });
        return ctl;
    }

    /// <summary>The JSON-RPC request for a command line (opensips-cli's packing rules).</summary>
    internal static JsonObject Request(string method, IReadOnlyList<string> words)
    {
        JsonNode? parameters = null;
        if (words.Count > 0)
        {
            if (words.All(w => w.IndexOf('=') > 0))
            {
                var named = new JsonObject();
                foreach (string w in words)
                {
                    int eq = w.IndexOf('=');
                    named[w[..eq]] = w[(eq + 1)..];
                }

                parameters = named;
            }
            else if (s_listCommands.Contains(method))
            {
                parameters = new JsonArray(new JsonArray([.. words.Select(w => (JsonNode)JsonValue.Create(w))]));
            }
            else
            {
                parameters = new JsonArray([.. words.Select(w => (JsonNode)JsonValue.Create(w))]);
            }
        }

        var request = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["id"] = 1 };
        if (parameters is not null)
            request["params"] = parameters;
        return request;
    }

    private static void Print(string method, JsonNode? result, TextWriter output)
    {
        switch (method)
        {
            case "get_statistics" or "list_statistics" when result is JsonObject stats:
                int width = stats.Select(p => p.Key.Length).DefaultIfEmpty(0).Max();
                foreach (var (name, value) in stats)
                    output.WriteLine($"{name.PadRight(width)}  {Scalar(value)}");
                return;
            case "ps" when Get(result, "Processes") is JsonArray ps:
                Table(output, ["ID", "PID", "Type"], ps.Select(p => new[] { Scalar(Get(p, "ID")), Scalar(Get(p, "PID")), Scalar(Get(p, "Type")) }));
                return;
            case "ul_dump" when Get(result, "Domains") is JsonArray domains:
                var rows = new List<string[]>();
                foreach (JsonNode? d in domains)
                {
                    foreach (JsonNode? aor in (Get(d, "AORs") as JsonArray) ?? new JsonArray())
                    {
                        foreach (JsonNode? c in (Get(aor, "Contacts") as JsonArray) ?? new JsonArray())
                            rows.Add(new[] { Scalar(Get(aor, "AOR")), Scalar(Get(c, "Contact")), Scalar(Get(c, "Expires")), Scalar(Get(c, "Q")), Scalar(Get(c, "Received")), Scalar(Get(c, "Path")) });
                    }
                }

                Table(output, ["AOR", "Contact", "Expires", "Q", "Received", "Path"], rows);
                output.WriteLine($"({rows.Count} contact(s))");
                return;
            case "ul_show_contact" when Get(result, "Contacts") is JsonArray contacts:
                Table(output, ["Contact", "Expires", "Q", "Callid", "Received", "Path"],
                    contacts.Select(c => new[] { Scalar(Get(c, "Contact")), Scalar(Get(c, "Expires")), Scalar(Get(c, "Q")), Scalar(Get(c, "Callid")), Scalar(Get(c, "Received")), Scalar(Get(c, "Path")) }));
                return;
        }

        if (result is JsonValue v && v.TryGetValue(out string? s))
            output.WriteLine(s);
        else
            output.WriteLine(result?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) ?? "null");
    }

    internal static JsonNode? Get(JsonNode? node, string name) => node is JsonObject o ? o[name] : null;

    internal static string Scalar(JsonNode? node) =>
        node is null ? "" : node is JsonValue v && v.TryGetValue(out string? s) ? s : node.ToJsonString();

    internal static void Table(TextWriter output, string[] heads, IEnumerable<string[]> rows, bool printHeads = true)
    {
        List<string[]> all = [heads, .. rows];
        int[] widths = new int[heads.Length];
        foreach (string[] r in all)
        {
            for (int i = 0; i < r.Length; i++)
                widths[i] = Math.Max(widths[i], r[i].Length);
        }

        foreach (string[] r in printHeads ? all : all.Skip(1))
            output.WriteLine(string.Join("  ", r.Select((c, i) => i == r.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd());
    }
}
