using System.Net;
using System.Text.Json.Nodes;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests.Management;

/// <summary>
/// db_text tables changed under a running server and read again through MI <c>dbt_reload</c> (OpenSIPS's db_text
/// command; <c>db_text:reload</c> in master) and permissions' <c>address_reload</c>: a new password registers with the
/// real sipsak only after the reload, a file that does not load keeps the old copy (500 "Internal error"), a database
/// or table nothing caches is 400 "Bad parameter value", and a new admin address is let in after its reload.
/// </summary>
public sealed class DbTextReloadMiTests
{
    private const string Modules = """
        loadmodule "db_text.so"
        loadmodule "auth.so"
        loadmodule "auth_db.so"
        loadmodule "permissions.so"
        modparam("auth_db", "db_url", "text://{DIR}/db")
        modparam("auth_db", "calculate_ha1", 1)
        modparam("auth_db", "password_column", "password")
        modparam("auth_db", "load_credentials", "")
        modparam("permissions", "db_url", "text://{DIR}/db")

        """;

    private const string Route = """
        route {
            if (is_method("OPTIONS") && $rU == NULL) {
                if (!check_source_address(1)) { sl_send_reply(403, "Forbidden"); exit; }
                sl_send_reply(200, "OK");
                exit;
            }
            if (is_method("REGISTER")) {
                if (!www_authorize("", "subscriber")) { www_challenge("", "auth"); exit; }
                consume_credentials();
                save("location");
                exit;
            }
            if (is_method("ACK")) { exit; }
            if (!lookup("location")) { sl_send_reply(404, "Not Found"); exit; }
            forward();
        }

        """;

    private const string SubscriberHeader = "id(int,auto) username(string) domain(string) password(string) ha1(string)\n";
    private const string AddressHeader = "id(int,auto) grp(int) ip(string) mask(int) port(int) proto(string)\n";

    [Fact]
    public async Task SubscriberAndAddressChangesTakeEffectAfterTheirReload()
    {
        await using ManagedServer s = await StartWithTablesAsync();
        string dir = Path.Combine(s.Directory, "db");

        Assert.Equal(0, (await Register(s, "alice", "secret")).ExitCode);
        await File.WriteAllTextAsync(Path.Combine(dir, "subscriber"), SubscriberHeader + "1:alice:127.0.0.1:s3cret:x\n");
        Assert.NotEqual(0, (await Register(s, "alice", "s3cret")).ExitCode); // not read yet

        Assert.Equal("OK", (string)(await s.MiAsync("dbt_reload"))!);
        ToolResult after = await Register(s, "alice", "s3cret");
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.NotEqual(0, (await Register(s, "alice", "secret")).ExitCode);

        // A broken file: the loaded copy stays, the error says so.
        await File.WriteAllTextAsync(Path.Combine(dir, "subscriber"), SubscriberHeader + "1:alice\n");
        var broken = await Assert.ThrowsAsync<InvalidOperationException>(() => s.MiAsync("db_text:reload", new JsonObject { ["db_name"] = dir }));
        Assert.Contains("Internal error", broken.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await Register(s, "alice", "s3cret")).ExitCode);

        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() => s.MiAsync("dbt_reload", new JsonObject { ["db_name"] = "/nowhere" }));
        Assert.Contains("Bad parameter value", unknown.Message, StringComparison.Ordinal);
        var noTable = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            s.MiAsync("dbt_reload", new JsonObject { ["db_name"] = dir, ["table_name"] = "dispatcher" }));
        Assert.Contains("Bad parameter value", noTable.Message, StringComparison.Ordinal);

        // The admin network: 127.0.0.1 is not in group 1 until the address table says so.
        using var admin = UdpPeer.V4();
        Assert.StartsWith("SIP/2.0 403", await Options(s, admin), StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(dir, "address"), AddressHeader + "1:1:10.0.0.0:8:0:any\n2:1:127.0.0.1:32:0:any\n");
        Assert.Equal("OK", (string)(await s.MiAsync("dbt_reload", new JsonObject { ["db_name"] = dir, ["table_name"] = "address" }))!);
        Assert.StartsWith("SIP/2.0 200", await Options(s, admin), StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(dir, "address"), AddressHeader + "1:1:10.0.0.0:8:0:any\n");
        Assert.Equal("OK", (string)(await s.MiAsync("address_reload"))!);
        Assert.StartsWith("SIP/2.0 403", await Options(s, admin), StringComparison.Ordinal);
    }

    private static async Task<ManagedServer> StartWithTablesAsync()
    {
        // The tables live in the server's directory ({DIR}/db), written before the script loads them.
        string script = ManagedServer.Script(Modules, Route);
        return await ManagedServer.StartAsync(script, 2, directory =>
        {
            string dir = Path.Combine(directory, "db");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "subscriber"), SubscriberHeader + "1:alice:127.0.0.1:secret:x\n");
            File.WriteAllText(Path.Combine(dir, "address"), AddressHeader + "1:1:10.0.0.0:8:0:any\n");
        });
    }

    private static Task<ToolResult> Register(ManagedServer s, string user, string password) =>
        s.SipsakAsync("-U", "-a", password, "-u", user, "-s", $"sip:{user}@127.0.0.1:{s.SipPort}");

    private static async Task<string> Options(ManagedServer s, UdpPeer from)
    {
        from.Send($"OPTIONS sip:127.0.0.1:{s.SipPort} SIP/2.0\r\nVia: SIP/2.0/UDP {from.SentBy};branch=z9hG4bK-{Guid.NewGuid():N}\r\n"
            + $"Max-Forwards: 70\r\nFrom: <sip:admin@{from.SentBy}>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: {Guid.NewGuid():N}\r\nCSeq: 1 OPTIONS\r\n"
            + "Content-Length: 0\r\n\r\n", new IPEndPoint(IPAddress.Loopback, s.SipPort));
        return (await from.ReceiveAsync(TimeSpan.FromSeconds(5)))?.Text ?? "";
    }
}
