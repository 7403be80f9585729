using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Hyperproxy.Integration.Tests.Management;

/// <summary>MI over real HTTP: OpenSIPS's command names and result shapes, usrloc on the real store, JSON-RPC and HTTP errors.</summary>
public sealed class MiCommandTests(ManagedServerFixture fixture) : IClassFixture<ManagedServerFixture>
{
    private ManagedServer S => fixture.Server;

    [Fact]
    public async Task VersionUptimeWhichPsAndLogLevelHaveOpenSipsShapes()
    {
        Assert.StartsWith("Hyperproxy (", (string)(await S.MiAsync("version"))!["Server"]!, StringComparison.Ordinal);
        JsonNode up = (await S.MiAsync("uptime"))!;
        Assert.EndsWith(" [sec]", (string)up["Up time"]!, StringComparison.Ordinal);
        Assert.NotNull(up["Up since"]);
        var which = (JsonArray)(await S.MiAsync("which"))!;
        foreach (string c in (string[])["get_statistics", "ul_dump", "ul_add", "trace", "shutdown", "ps", "log_level"])
            Assert.Contains(c, which.Select(n => (string)n!));
        var recipes = (JsonArray)(await S.MiAsync("which", new JsonArray("ul_rm")))!;
        Assert.Equal("table_name", (string)recipes[0]![0]!);
        var ps = (JsonArray)(await S.MiAsync("ps"))!["Processes"]!;
        Assert.Equal(2, ps.Count(p => ((string)p!["Type"]!).StartsWith("SIP receiver udp:127.0.0.1:", StringComparison.Ordinal)));
        Assert.Equal(S.Process.ProcessId, (int)ps[0]!["PID"]!);
        Assert.Equal(3, (int)(await S.MiAsync("log_level", new JsonArray(3)))!["New global log level"]!);
        Assert.Equal(3, (int)((JsonArray)(await S.MiAsync("log_level"))!["Processes"]!)[0]!["Log level"]!);
        await S.MiAsync("log_level", new JsonArray(2));
    }

    [Fact]
    public async Task UsrlocCommandsReadAndChangeTheRealStore()
    {
        Assert.Equal(0, (await S.RegisterAsync("mialice", "10.1.1.1")).ExitCode);
        var dump = (await S.MiAsync("ul_dump"))!;
        var aors = (JsonArray)dump["Domains"]![0]!["AORs"]!;
        JsonNode alice = aors.First(a => (string)a!["AOR"]! == "mialice")!;
        Assert.Equal("sip:mialice@10.1.1.1", (string)alice["Contacts"]![0]!["Contact"]!);
        Assert.InRange((long)alice["Contacts"]![0]!["Expires"]!, 1, 600);

        var shown = (JsonArray)(await S.MiAsync("ul_show_contact", new JsonArray("location", "mialice")))!["Contacts"]!;
        Assert.Single(shown);

        Assert.Equal("OK", (string)(await S.MiAsync("ul_add", new JsonArray("location", "mialice", "sip:mialice@10.2.2.2", 300, 0.5, 0, 0, 0, 4294967295)))!);
        shown = (JsonArray)(await S.MiAsync("ul_show_contact", new JsonArray("location", "mialice")))!["Contacts"]!;
        Assert.Equal(2, shown.Count);
        Assert.Contains(shown, c => (string)c!["Contact"]! == "sip:mialice@10.2.2.2" && (string)c["Q"]! == "0.5");

        Assert.Equal("OK", (string)(await S.MiAsync("ul_rm_contact", new JsonArray("location", "mialice", "sip:mialice@10.1.1.1")))!);
        shown = (JsonArray)(await S.MiAsync("ul_show_contact", new JsonArray("location", "mialice")))!["Contacts"]!;
        Assert.Equal("sip:mialice@10.2.2.2", (string)Assert.Single(shown)!["Contact"]!);
        JsonObject missingContact = await S.RawMiAsync("""{"jsonrpc":"2.0","method":"ul_rm_contact","params":["location","mialice","sip:none@x"],"id":1}""");
        Assert.Equal(404, (int)missingContact["error"]!["code"]!);

        Assert.Equal("OK", (string)(await S.MiAsync("ul_rm", new JsonArray("location", "mialice")))!);
        JsonObject gone = await S.RawMiAsync("""{"jsonrpc":"2.0","method":"ul_show_contact","params":{"table_name":"location","aor":"mialice"},"id":2}""");
        Assert.Equal(404, (int)gone["error"]!["code"]!);
        Assert.Equal("AOR not found", (string)gone["error"]!["message"]!);
        Assert.Equal("OK", (string)(await S.MiAsync("ul_flush"))!);
    }

    [Fact]
    public async Task UlDumpPagesWithACursorAndLimit()
    {
        for (int i = 0; i < 5; i++)
            await S.MiAsync("ul_add", new JsonArray("location", $"page{i}", $"sip:page{i}@10.3.3.{i}", 300, 1));
        var first = (await S.MiAsync("ul_dump", new JsonObject { ["limit"] = 2 }))!;
        Assert.InRange(((JsonArray)first["Domains"]![0]!["AORs"]!).Count, 0, 2);
        string next = (string)first["Next"]!;
        var names = new List<string>();
        foreach (JsonNode? a in (JsonArray)first["Domains"]![0]!["AORs"]!)
            names.Add((string)a!["AOR"]!);
        var rest = (await S.MiAsync("ul_dump", new JsonObject { ["cursor"] = next, ["limit"] = 100_000 }))!;
        Assert.Null(rest["Next"]);
        foreach (JsonNode? a in (JsonArray)rest["Domains"]![0]!["AORs"]!)
            names.Add((string)a!["AOR"]!);
        for (int i = 0; i < 5; i++)
            Assert.Single(names, n => n == $"page{i}");
    }

    [Fact]
    public async Task JsonRpcErrorsCarryTheirCodes()
    {
        Assert.Equal(-32601, (int)(await S.RawMiAsync("""{"jsonrpc":"2.0","method":"no_such_command","id":1}"""))["error"]!["code"]!);
        JsonObject parse = await S.RawMiAsync("""{"jsonrpc":"2.0","method":""");
        Assert.Equal(-32700, (int)parse["error"]!["code"]!);
        Assert.Null(parse["id"]);
        Assert.Equal(-32600, (int)(await S.RawMiAsync("""{"method":"ps","id":1}"""))["error"]!["code"]!);
        Assert.Equal(-32602, (int)(await S.RawMiAsync("""{"jsonrpc":"2.0","method":"ul_rm","params":["location"],"id":1}"""))["error"]!["code"]!);
        Assert.Equal(-32602, (int)(await S.RawMiAsync("""{"jsonrpc":"2.0","method":"get_statistics","params":{"wrong":1},"id":1}"""))["error"]!["code"]!);
        Assert.Equal(-32602, (int)(await S.RawMiAsync("""{"jsonrpc":"2.0","method":"log_level","params":["loud"],"id":1}"""))["error"]!["code"]!);
        Assert.Equal(404, (int)(await S.RawMiAsync("""{"jsonrpc":"2.0","method":"get_statistics","params":[["nothing:here"]],"id":1}"""))["error"]!["code"]!);
    }

    [Fact]
    public async Task HttpMistakesGetClearStatuses()
    {
        using (var get = await S.Http.GetAsync("mi"))
            Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        using (var empty = await S.Http.PostAsync("mi", new StringContent("")))
            Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        using (var notification = await S.Http.PostAsync("mi", new StringContent("""{"jsonrpc":"2.0","method":"ps"}""")))
            Assert.Equal(HttpStatusCode.Accepted, notification.StatusCode);
        using (var unknown = await S.Http.GetAsync("nothing-here"))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        Assert.StartsWith("HTTP/1.1 400 ", await RawHttpAsync("NONSENSE\r\n\r\n"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 431 ", await RawHttpAsync("GET / HTTP/1.1\r\nX: " + new string('a', 20_000) + "\r\n\r\n"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 413 ", await RawHttpAsync("POST /mi HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 505 ", await RawHttpAsync("GET / HTTP/2.0\r\n\r\n"), StringComparison.Ordinal);
        // SIP keeps flowing after all of that.
        Assert.Equal(0, (await S.PingAsync()).ExitCode);
    }

    [Fact]
    public async Task TraceSwitchesCaptureOnAndOffAndTheTracePageHasBothDirections()
    {
        Assert.Equal("on", (string)(await S.MiAsync("trace"))!["global"]!);
        Assert.Equal("OK", (string)(await S.MiAsync("sip_trace", new JsonArray("off")))!);
        long before = await S.StatAsync("tracer:traced_messages");
        Assert.Equal(0, (await S.PingAsync()).ExitCode);
        Assert.Equal(before, await S.StatAsync("tracer:traced_messages"));
        Assert.Equal("OK", (string)(await S.MiAsync("trace", new JsonArray("on")))!);
        Assert.Equal(0, (await S.PingAsync()).ExitCode);
        Assert.Equal(before + 2, await S.WaitStatAsync("tracer:traced_messages", before + 2));

        string page = await S.Http.GetStringAsync("dashboard/trace?after=0");
        var messages = (JsonArray)JsonNode.Parse(page)!["messages"]!;
        Assert.Contains(messages, m => (string)m!["direction"]! == "in" && ((string)m["message"]!).StartsWith("OPTIONS ", StringComparison.Ordinal));
        Assert.Contains(messages, m => (string)m!["direction"]! == "out" && ((string)m["message"]!).StartsWith("SIP/2.0 200 OK", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheDashboardEventStreamSendsSnapshots()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "dashboard/events");
        using HttpResponseMessage response = await S.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var cts = new CancellationTokenSource(ManagedServer.Bound);
        Assert.Equal("event: snapshot", await reader.ReadLineAsync(cts.Token));
        string data = (await reader.ReadLineAsync(cts.Token))!;
        Assert.StartsWith("data: ", data, StringComparison.Ordinal);
        JsonNode snapshot = JsonNode.Parse(data[6..])!;
        Assert.NotNull(snapshot["statistics"]!["core:rcv_requests"]);
        Assert.Equal(2, ((JsonArray)snapshot["workers"]!).Count);
    }

    private async Task<string> RawHttpAsync(string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, S.HttpPort);
        NetworkStream stream = client.GetStream();
        byte[] bytes = Encoding.ASCII.GetBytes(request);
        await stream.WriteAsync(bytes);
        var buffer = new byte[4096];
        int total = 0;
        using var cts = new CancellationTokenSource(ManagedServer.Bound);
        int n;
        while ((n = await stream.ReadAsync(buffer.AsMemory(total), cts.Token)) > 0 && total + n < buffer.Length)
            total += n;
        return Encoding.ASCII.GetString(buffer, 0, total + Math.Max(n, 0));
    }
}
