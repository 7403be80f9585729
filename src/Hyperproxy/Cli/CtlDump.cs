using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hyperproxy.Cli;

/// <summary>
/// <c>hyperproxy ctl ul_dump</c> without parameters: asks for the table a page at a time (MI <c>ul_dump</c> with
/// <c>limit</c> and the <c>cursor</c> each page hands back) and prints each page as it comes, so a table of a
/// million AoRs streams instead of arriving as one huge answer. <c>--json</c> prints OpenSIPS's one result
/// (<c>{"Domains":[{"name":...,"AORs":[...]}]}</c>) gathered from the pages.
/// </summary>
internal static class CtlDump
{
    private const int PageSize = 1000;
    private static readonly string[] s_heads = ["AOR", "Contact", "Expires", "Q", "Received", "Path"];

    public static int Run(string miUrl, bool json, TimeSpan timeout, TextWriter output, TextWriter error)
    {
        using var http = new HttpClient { Timeout = timeout };
        string? cursor = null;
        JsonObject? domain = null;
        var all = new JsonArray();
        long contacts = 0;
        bool first = true;
        for (int pages = 0; pages < 10_000_000; pages++)
        {
            var parameters = new JsonObject { ["limit"] = PageSize };
            if (cursor is not null)
                parameters["cursor"] = cursor;
            var request = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "ul_dump", ["params"] = parameters, ["id"] = pages + 1 };
            JsonNode? answer;
            try
            {
                using var content = new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json");
                using HttpResponseMessage response = http.PostAsync(miUrl, content).GetAwaiter().GetResult();
                string body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                if (!response.IsSuccessStatusCode)
                {
                    error.WriteLine($"hyperproxy ctl: {miUrl} answered {(int)response.StatusCode} {response.ReasonPhrase}: {body.Trim()}");
                    return HyperproxyCli.FailureExit;
                }

                answer = JsonNode.Parse(body);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException or InvalidOperationException)
            {
                error.WriteLine($"hyperproxy ctl: cannot reach the management interface at {miUrl}: {e.Message} "
                    + "(is the server running with loadmodule \"httpd.so\" and \"mi_http.so\"? --url sets the address)");
                return HyperproxyCli.FailureExit;
            }
            catch (JsonException)
            {
                error.WriteLine($"hyperproxy ctl: {miUrl} did not answer JSON-RPC");
                return HyperproxyCli.FailureExit;
            }

            if (answer?["error"] is JsonObject failure)
            {
                error.WriteLine($"hyperproxy ctl: ul_dump: error {failure["code"]}: {failure["message"]}");
                return HyperproxyCli.FailureExit;
            }

            JsonNode? result = answer?["result"];
            var rows = new List<string[]>();
            foreach (JsonNode? d in (CtlCommand.Get(result, "Domains") as JsonArray) ?? [])
            {
                domain ??= new JsonObject { ["name"] = d?["name"]?.DeepClone(), ["hash_size"] = d?["hash_size"]?.DeepClone() };
                foreach (JsonNode? aor in (CtlCommand.Get(d, "AORs") as JsonArray) ?? [])
                {
                    if (json)
                        all.Add(aor?.DeepClone());
                    foreach (JsonNode? c in (CtlCommand.Get(aor, "Contacts") as JsonArray) ?? [])
                    {
                        contacts++;
                        rows.Add([CtlCommand.Scalar(CtlCommand.Get(aor, "AOR")), CtlCommand.Scalar(CtlCommand.Get(c, "Contact")), CtlCommand.Scalar(CtlCommand.Get(c, "Expires")),
                            CtlCommand.Scalar(CtlCommand.Get(c, "Q")), CtlCommand.Scalar(CtlCommand.Get(c, "Received")), CtlCommand.Scalar(CtlCommand.Get(c, "Path"))]);
                    }
                }
            }

            if (!json && (rows.Count > 0 || first))
            {
                CtlCommand.Table(output, s_heads, rows, printHeads: first);
                first = false;
                output.Flush();
            }

            cursor = (string?)CtlCommand.Get(result, "Next");
            if (cursor is null)
                break;
        }

        if (json)
        {
            domain ??= new JsonObject { ["name"] = "location" };
            domain["AORs"] = all;
            output.WriteLine(new JsonObject { ["Domains"] = new JsonArray(domain) }.ToJsonString());
        }
        else
        {
            output.WriteLine($"({contacts} contact(s))");
        }

        return 0;
    }
}
