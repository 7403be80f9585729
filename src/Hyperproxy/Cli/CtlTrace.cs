using System.Net.Http;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Hyperproxy.Management.Tracing;
using Hyperproxy.Script.Tracing;
using Hyperproxy.Sip;

namespace Hyperproxy.Cli;

/// <summary>
/// <c>hyperproxy ctl trace --pcap FILE [--count N] [--duration S]</c>: switches tracing on through MI
/// (<c>trace on</c>), then writes every message the server traces (its script's <c>trace()</c> calls) to a pcap
/// file Wireshark, tshark and tcpdump read, until Ctrl-C (or SIGTERM), N messages or S seconds; then puts
/// tracing back as it found it. The messages come from the server's trace buffer (<c>/dashboard/trace</c>,
/// polled five times a second: a burst of more than httpd's kept messages between two polls loses the
/// oldest, which the summary line counts).
/// </summary>
internal static class CtlTrace
{
    public static int Run(string miUrl, string pcapPath, long count, double durationSeconds, TimeSpan timeout, TextWriter output, TextWriter error)
    {
        using var http = new HttpClient { Timeout = timeout };
        Uri traceUri;
        try
        {
            traceUri = new Uri(new Uri(miUrl), "/dashboard/trace");
        }
        catch (UriFormatException e)
        {
            error.WriteLine($"hyperproxy ctl: trace: {miUrl} is not a URL: {e.Message}");
            return HyperproxyCli.FailureExit;
        }

        JsonNode? state;
        try
        {
            state = Mi(http, miUrl, "trace", null);
            if (state?["global"] is null)
            {
                error.WriteLine("hyperproxy ctl: trace: the server has no tracer (loadmodule \"tracer.so\" and a trace_id)");
                return HyperproxyCli.FailureExit;
            }
        }
        catch (CtlException e)
        {
            error.WriteLine("hyperproxy ctl: trace: " + e.Message);
            return HyperproxyCli.FailureExit;
        }

        bool wasOn = (string?)state["global"] == "on";
        long after;
        try
        {
            after = LastSequence(Poll(http, traceUri, 0), 0);
        }
        catch (CtlException e)
        {
            error.WriteLine("hyperproxy ctl: trace: " + e.Message + " (the trace buffer is served with httpd's dashboard: modparam(\"httpd\", \"dashboard\", 1))");
            return HyperproxyCli.FailureExit;
        }

        PcapWriter pcap;
        try
        {
            pcap = new PcapWriter(pcapPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"hyperproxy ctl: trace: cannot create {pcapPath}: {e.Message}");
            return HyperproxyCli.FailureExit;
        }

        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        if (durationSeconds > 0)
            stop.CancelAfter(TimeSpan.FromSeconds(durationSeconds));
        long written = 0;
        long lost = 0;
        int exit = 0;
        try
        {
            if (!wasOn)
                Mi(http, miUrl, "trace", new JsonArray("on"));
            output.WriteLine($"tracing to {pcapPath} (Ctrl-C stops{(count > 0 ? $", or {count} messages" : "")}{(durationSeconds > 0 ? $", or {durationSeconds} s" : "")})");
            output.Flush();
            while (!stop.IsCancellationRequested && (count <= 0 || written < count))
            {
                JsonArray messages = Poll(http, traceUri, after);
                foreach (JsonNode? m in messages)
                {
                    long seq = (long)m!["seq"]!;
                    if (seq > after + 1)
                        lost += seq - after - 1;
                    after = seq;
                    if (TryHeader(m, out TraceHeader header))
                    {
                        pcap.Write(header, Encoding.UTF8.GetBytes((string?)m["message"] ?? ""));
                        written++;
                    }

                    if (count > 0 && written >= count)
                        break;
                }

                if (messages.Count == 0)
                    stop.Token.WaitHandle.WaitOne(200);
            }
        }
        catch (CtlException e)
        {
            error.WriteLine("hyperproxy ctl: trace: " + e.Message);
            exit = HyperproxyCli.FailureExit;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            pcap.Dispose();
            if (!wasOn)
            {
                try
                {
                    Mi(http, miUrl, "trace", new JsonArray("off"));
                }
                catch (CtlException e)
                {
                    error.WriteLine("hyperproxy ctl: trace: could not switch tracing back off: " + e.Message);
                }
            }
        }

        output.WriteLine($"{written} message(s) written to {pcapPath}{(lost > 0 ? $"; {lost} passed the trace buffer between two reads and are missing" : "")}");
        return exit;
    }

    private static bool TryHeader(JsonNode m, out TraceHeader header)
    {
        header = new TraceHeader { UnixMicros = (long?)m["time"] ?? 0, Outgoing = (string?)m["direction"] == "out" };
        return Address((string?)m["from"], out header.Source) && Address((string?)m["to"], out header.Destination);
    }

    private static bool Address(string? text, out NetAddress address)
    {
        address = default;
        if (text is null)
            return false;
        int colon = text.IndexOf(':');
        string hostPort = colon >= 0 && text[..colon] is "udp" or "tcp" or "tls" or "ws" or "wss" ? text[(colon + 1)..] : text;
        return NetAddress.TryParseHostPort(Encoding.ASCII.GetBytes(hostPort), out address);
    }

    private static long LastSequence(JsonArray messages, long after)
    {
        foreach (JsonNode? m in messages)
            after = Math.Max(after, (long)m!["seq"]!);
        return after;
    }

    private static JsonArray Poll(HttpClient http, Uri traceUri, long after)
    {
        string body = Get(http, new Uri(traceUri, $"?after={after}"));
        try
        {
            return JsonNode.Parse(body)?["messages"] as JsonArray ?? throw new CtlException($"{traceUri} did not answer the trace buffer");
        }
        catch (System.Text.Json.JsonException)
        {
            throw new CtlException($"{traceUri} did not answer JSON");
        }
    }

    private static string Get(HttpClient http, Uri uri)
    {
        try
        {
            using HttpResponseMessage response = http.GetAsync(uri).GetAwaiter().GetResult();
            string body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
                throw new CtlException($"{uri} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            return body;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw new CtlException($"cannot reach {uri}: {e.Message}");
        }
    }

    private static JsonNode? Mi(HttpClient http, string miUrl, string method, JsonNode? parameters)
    {
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["id"] = 1 };
        if (parameters is not null)
            request["params"] = parameters;
        try
        {
            using var content = new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json");
            using HttpResponseMessage response = http.PostAsync(miUrl, content).GetAwaiter().GetResult();
            string body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            JsonNode? answer = JsonNode.Parse(body);
            if (answer?["error"] is JsonObject failure)
                throw new CtlException($"{method}: error {failure["code"]}: {failure["message"]}");
            return answer?["result"];
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            throw new CtlException($"cannot reach the management interface at {miUrl}: {e.Message}");
        }
        catch (System.Text.Json.JsonException)
        {
            throw new CtlException($"{miUrl} did not answer JSON-RPC");
        }
    }

    private sealed class CtlException(string message) : Exception(message);
}
