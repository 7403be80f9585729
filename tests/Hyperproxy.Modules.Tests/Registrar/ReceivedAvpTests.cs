using Hyperproxy.Modules.Registrar;
using Hyperproxy.Sip;
using static Hyperproxy.Modules.Tests.Registrar.Registers;

namespace Hyperproxy.Modules.Tests.Registrar;

/// <summary>
/// registrar's <c>received_avp</c> (spec §4.1, §4.3 step 8, §4.6): a REGISTER's script sets the AVP to the
/// packet source as a SIP URI (what nathelper's fix_nated_register() does); save() stores it as the
/// binding's received when the Contact has none of its own and path-received gave none; lookup() then
/// sends to it ($du). The harness's REGISTERs come from 127.0.0.9:40000.
/// </summary>
public sealed class ReceivedAvpTests
{
    private const string AvpParam = "modparam(\"registrar\", \"received_avp\", \"$avp(rcv)\")";
    private const string Source = "sip:127.0.0.9:40000";

    /// <summary>REGISTERs set $avp(rcv) (only when they carry X-Nat, if <paramref name="onlyWithXNat"/>) and save; the rest are looked up and forwarded.</summary>
    private static string Script(string saveArgs = "\"location\"", bool onlyWithXNat = false, string value = "\"sip:\" + $si + \":\" + $sp") =>
        "route {\n"
        + "  if (is_method(\"REGISTER\")) {\n"
        + (onlyWithXNat ? "    if (is_present_hf(\"X-Nat\")) {\n      $avp(rcv) = " + value + ";\n    }\n" : "    $avp(rcv) = " + value + ";\n")
        + "    save(" + saveArgs + ");\n"
        + "    exit;\n"
        + "  }\n"
        + "  if (lookup(\"location\") < 0) { sl_send_reply(404, \"Not Found\"); exit; }\n"
        + "  forward();\n"
        + "}\n";

    [Fact]
    public void SaveStoresTheAvpAsReceivedAndLookupSendsToIt()
    {
        using var h = new RegistrarHarness(Script(), AvpParam);
        Sent reply = h.Run(Register(expires: "600"))[0];
        Assert.Equal("SIP/2.0 200 OK", reply.StartLine);
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=600;received=\"" + Source + "\""], reply.Headers("Contact"));

        Sent invite = Assert.Single(h.Run(Invite()));
        Assert.Equal("INVITE sip:alice@192.0.2.10:5062 SIP/2.0", invite.StartLine);
        Assert.Equal(RegistrarHarness.Uac, invite.Destination);
        Assert.Equal(Source, System.Text.Encoding.ASCII.GetString(h.Context.Destination));
    }

    [Fact]
    public void WithoutTheModparamTheAvpIsIgnored()
    {
        using var h = new RegistrarHarness(Script());
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=600"], h.Run(Register(expires: "600"))[0].Headers("Contact"));
        Sent invite = Assert.Single(h.Run(Invite()));
        Assert.Equal(NetAddress.FromIPv4(192, 0, 2, 10, 5062), invite.Destination);
        Assert.False(h.Context.HasDestination);
    }

    [Fact]
    public void TheContactsOwnReceivedWinsOverTheAvp()
    {
        using var h = new RegistrarHarness(Script(), AvpParam);
        Sent reply = h.Run(Register("<sip:a@10.0.0.5:5060>;received=\"sip:198.51.100.7:4321\", <sip:b@10.0.0.6:5060>", expires: "600"))[0];
        Assert.Equal(
            ["<sip:a@10.0.0.5:5060>;expires=600;received=\"sip:198.51.100.7:4321\"", "<sip:b@10.0.0.6:5060>;expires=600;received=\"" + Source + "\""],
            reply.Headers("Contact")[0].Split(", "));
    }

    [Fact]
    public void PathReceivedWinsOverTheAvp()
    {
        using var h = new RegistrarHarness(Script("\"location\", \"p1v\""), AvpParam);
        Sent reply = h.Run(Register(expires: "600", path: ["<sip:203.0.113.1:5070;lr;received=sip:198.51.100.7:4321>"]))[0];
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=600;received=\"sip:198.51.100.7:4321\""], reply.Headers("Contact"));
    }

    [Fact]
    public void AnAvpNotSetForThisRegisterStoresNoReceived()
    {
        using var h = new RegistrarHarness(Script(onlyWithXNat: true), AvpParam);
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=600"], h.Run(Register(expires: "600"))[0].Headers("Contact"));
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=600;received=\"" + Source + "\""],
            h.Run(Register(expires: "600", cseq: 2, extra: "X-Nat: 1"))[0].Headers("Contact"));
        // A refresh without the AVP clears it again, as every field of an updated binding is rewritten.
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=600"], h.Run(Register(expires: "600", cseq: 3))[0].Headers("Contact"));
    }

    [Fact]
    public void AnAvpTheScriptNeverNamesStoresNoReceived()
    {
        using var h = new RegistrarHarness(Registers.Script(), "modparam(\"registrar\", \"received_avp\", \"$avp(nowhere)\")");
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=600"], h.Run(Register(expires: "600"))[0].Headers("Contact"));
    }

    [Fact]
    public void AnAvpLongerThan255BytesIs400ContactReceivedTooLong()
    {
        string longValue = "\"sip:" + new string('a', 252) + "\"";
        using var h = new RegistrarHarness(Script(value: longValue), AvpParam);
        Sent reply = h.Run(Register(expires: "600"))[0];
        Assert.Equal("SIP/2.0 400 Bad Request", reply.StartLine);
        Assert.Equal(["Contact/received too long"], reply.Headers("P-Registrar-Error"));
        Assert.Equal("SIP/2.0 404 Not Found", h.Run(Invite())[0].StartLine);

        using var fits = new RegistrarHarness(Script(value: "\"sip:" + new string('a', 251) + "\""), AvpParam);
        Assert.Equal("SIP/2.0 200 OK", fits.Run(Register(expires: "600"))[0].StartLine);
    }

    [Theory]
    [InlineData("rcv")]
    [InlineData("$var(rcv)")]
    [InlineData("$avp()")]
    [InlineData("$avp(a b)")]
    [InlineData("$avp(rcv")]
    public void ABadReceivedAvpStopsStartUpAtTheModparam(string value)
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            new RegistrarHarness(Script(), "modparam(\"registrar\", \"received_avp\", \"" + value + "\")"));
        Assert.Equal($"t.cfg:7:1: modparam registrar received_avp: '{value}' is not an AVP; use \"$avp(name)\"", e.Message);
    }

    [Theory]
    [InlineData("$avp(rcv)", "rcv")]
    [InlineData(" $avp(nat_src_2) ", "nat_src_2")]
    [InlineData("$avp(s:rcv)", null)]
    [InlineData("$AVP(rcv)", null)]
    public void ReceivedAvpNamesAreAvpSpecs(string text, string? name) => Assert.Equal(name, RegistrarModule.ParseAvpName(text));
}
