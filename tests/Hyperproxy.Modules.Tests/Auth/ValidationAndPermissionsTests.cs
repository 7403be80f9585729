using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Tests.Auth;

public sealed class ValidationAndPermissionsTests
{
    private static string Validate(string request, string flags = "")
    {
        var h = new ModuleHarness($$"""
            route {
                sipmsg_validate("{{flags}}");
                sl_send_reply(400, "rc $retcode");
            }
            """);
        return Assert.Single(h.Run(request)).StartLine;
    }

    [Fact]
    public void ValidRequestPasses() => Assert.Equal("SIP/2.0 400 rc 1", Validate(Requests.Invite()));

    [Fact]
    public void PathOutsideRegisterIs15() =>
        Assert.Equal("SIP/2.0 400 rc -15", Validate(Requests.Invite(extra: "Path: <sip:p.example.com;lr>")));

    [Fact]
    public void MissingMaxForwardsIs13UnlessFlagM()
    {
        string noMf = Requests.Invite().Replace("Max-Forwards: 70\n", string.Empty);
        Assert.Equal("SIP/2.0 400 rc -13", Validate(noMf));
        Assert.Equal("SIP/2.0 400 rc 1", Validate(noMf, "m"));
    }

    [Fact]
    public void BodyWithoutContentTypeIs21AndBadSdpIs6()
    {
        string body = Requests.Invite().Replace("Content-Length: 0\n\n", "Content-Length: 5\n\nhello");
        Assert.Equal("SIP/2.0 400 rc -21", Validate(body));
        string sdp = Requests.Invite().Replace("Content-Length: 0\n\n", "Content-Type: application/sdp\nContent-Length: 5\n\nhello");
        Assert.Equal("SIP/2.0 400 rc 1", Validate(sdp));
        Assert.Equal("SIP/2.0 400 rc -6", Validate(sdp, "s"));
    }

    [Fact]
    public void StarContactOutsideRegisterIs30WithFlagC() =>
        Assert.Equal("SIP/2.0 400 rc -30", Validate(Requests.Invite(extra: "Contact: *"), "c"));

    [Fact]
    public void ErrVarReceivesTheReasonOfAFailure()
    {
        var h = new ModuleHarness("""
            route {
                $var(err) = "untouched";
                if (!sipmsg_validate("", $var(err))) {
                    sl_send_reply(400, "$var(err)");
                    exit;
                }
                sl_send_reply(200, "$var(err)");
            }
            """);
        Assert.Equal("SIP/2.0 400 Path in a request other than REGISTER",
            Assert.Single(h.Run(Requests.Invite(extra: "Path: <sip:p.example.com;lr>"))).StartLine);
        Assert.Equal("SIP/2.0 400 bad Max-Forwards",
            Assert.Single(h.Run(Requests.Invite().Replace("Max-Forwards: 70\n", string.Empty))).StartLine);
        Assert.Equal("SIP/2.0 200 untouched", Assert.Single(h.Run(Requests.Invite())).StartLine); // set only on failure
    }

    [Fact]
    public void ErrVarMustBeWritable()
    {
        var catalog = new ModuleCatalog();
        Assert.Null(catalog.TryLoadText("loadmodule \"sipmsgops.so\"\nroute { sipmsg_validate(\"\", \"x\"); }\n", "a.cfg", out var errors));
        Assert.Contains("writable pseudo-variable", Assert.Single(errors).ToString());
    }

    [Fact]
    public void UnknownFlagStopsStartUp()
    {
        var catalog = new ModuleCatalog();
        Assert.Null(catalog.TryLoadText("loadmodule \"sipmsgops.so\"\nroute { sipmsg_validate(\"x\"); }\n", "a.cfg", out var errors));
        Assert.Contains("'x' is not a sipmsg_validate flag", Assert.Single(errors).ToString());
    }

    [Fact]
    public void OptionsOnlyFromTheAdminNetwork()
    {
        string dir = Directory.CreateTempSubdirectory("hp-perm-").FullName;
        try
        {
            File.WriteAllText(System.IO.Path.Combine(dir, "address"),
                "id(int,auto) grp(int) ip(string) mask(int) port(int) proto(string,null) pattern(string,null) context_info(string,null)\n" +
                ":1:127.0.0.0:24:0:any::\n:2:127.0.0.50:32:5060:udp::\n:3:\\:\\:1:128:0:::\n");
            var h = new ModuleHarness($$"""
                route {
                    if (is_method("OPTIONS") && !check_source_address(1)) { sl_send_reply(403, "Forbidden"); exit; }
                    sl_send_reply(200, "OK $retcode");
                }
                """, $"loadmodule \"permissions.so\"\nmodparam(\"permissions\", \"db_url\", \"text://{dir}\")\n");
            string options = Requests.Make("OPTIONS", "sip:127.0.0.1");
            Assert.Equal("SIP/2.0 200 OK 1", Assert.Single(h.Run(options, from: NetAddress.FromIPv4(127, 0, 0, 9, 5060))).StartLine);
            Assert.Equal("SIP/2.0 403 Forbidden", Assert.Single(h.Run(options, from: NetAddress.FromIPv4(127, 0, 1, 9, 5060))).StartLine);

            var t = h.Catalog.Permissions.Addresses!;
            Assert.Equal(1, t.Check(2, NetAddress.FromIPv4(127, 0, 0, 50, 0), 5060, "udp"u8));
            Assert.Equal(-1, t.Check(2, NetAddress.FromIPv4(127, 0, 0, 50, 0), 5070, "udp"u8));
            Assert.Equal(-1, t.Check(2, NetAddress.FromIPv4(127, 0, 0, 50, 0), 5060, "tcp"u8));
            Assert.Equal(1, t.Check(0, NetAddress.IPv6Loopback(0), 0, "any"u8));
            Assert.Equal(-2, t.Check(9, NetAddress.IPv6Loopback(0), 0, "any"u8));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void BadAddressRowStopsStartUp()
    {
        string dir = Directory.CreateTempSubdirectory("hp-perm-").FullName;
        try
        {
            File.WriteAllText(System.IO.Path.Combine(dir, "address"), "id(int,auto) grp(int) ip(string) mask(int) port(int) proto(string)\n:1:127.0.0.0:40:0:any\n");
            var catalog = new ModuleCatalog();
            Assert.Null(catalog.TryLoadText($"loadmodule \"permissions.so\"\nmodparam(\"permissions\", \"db_url\", \"text://{dir}\")\nroute {{ check_source_address(1); }}\n", "a.cfg", out var errors));
            Assert.Contains("mask 40 is out of range", Assert.Single(errors).ToString());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
