using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Syntax;
using static Hyperproxy.Script.Tests.ScriptTestHelper;

namespace Hyperproxy.Script.Tests;

public class RegistryTests
{
    [Fact]
    public void CoreRegistryDeclaresTheCoreFunctionsOnlyEachWithABody()
    {
        var registry = FunctionRegistry.CreateDefault();
        string[] names =
        [
            "forward", "send", "xlog", "log", "force_rport", "add_local_rport", "force_send_socket", "is_myself", "seturi", "sethost",
            "sethostport", "setuser", "setport", "prefix", "strip", "strip_tail", "revert_uri", "setdsturi", "resetdsturi", "isdsturiset",
            "append_branch", "set_advertised_address", "set_advertised_port", "setflag", "resetflag", "isflagset", "setbflag", "resetbflag",
            "isbflagset",
        ];
        foreach (string name in names)
        {
            Assert.True(registry.TryGetFunction(name, out var f), name);
            Assert.NotNull(f.Body);
        }

        Assert.False(registry.TryGetFunction("sl_send_reply", out _));
        Assert.False(registry.TryGetModule("registrar", out _));
        Assert.Equal([FunctionRegistry.CoreModuleName], registry.Modules.Select(m => m.Name));
    }

    [Fact]
    public void ModuleRegistryDeclaresEveryModuleFunctionOfTheIssueEachWithABody()
    {
        var registry = new Modules.ModuleCatalog().CreateRegistry();
        string[] names =
        [
            "sl_send_reply", "sl_reply_error", "send_reply", "mf_process_maxfwd_header", "is_maxfwd_lt", "is_method",
            "has_totag", "append_hf", "insert_hf", "remove_hf", "is_present_hf", "append_to_reply", "ruri_has_param",
            "loose_route", "record_route", "add_path_received", "save", "lookup",
        ];
        foreach (string name in names)
        {
            Assert.True(registry.TryGetFunction(name, out var f), name);
            Assert.NotNull(f.Body);
        }

        Assert.Equal("sipmsgops", registry.TryGetFunction("is_method", out var isMethod) ? isMethod.Module : null);
        Assert.False(PseudoVariableRegistry.CreateDefault().TryGet("rr_params", out _));
        Assert.True(new Modules.ModuleCatalog().CreateVariables().TryGet("rr_params", out _)); // rr's table declares it
    }

    [Fact]
    public void DefaultRegistryDeclaresEveryPseudoVariableOfTheIssue()
    {
        var registry = PseudoVariableRegistry.CreateDefault();
        string[] names =
        [
            "ru", "rU", "rd", "rp", "rP", "ou", "du", "dd", "dp", "rm", "rs", "rr", "si", "sp", "Ri", "Rp", "socket_in", "fu", "fU", "fd", "fn",
            "ft", "tu", "tU", "td", "tn", "tt", "ci", "cs", "cl", "cT", "ua", "hdr", "hdrcnt", "ct", "rb", "ml", "var", "avp", "retcode", "rc",
            "param", "path", "Ts", "stat",
        ];
        foreach (string name in names)
            Assert.True(registry.TryGet(name, out _), name);
        Assert.True(registry.TryGet("du", out var du) && du.Writable);
        Assert.True(registry.TryGet("rm", out var rm) && !rm.Writable);
        Assert.True(registry.TryGetTransformation("uri.user", out _));
        Assert.True(registry.TryGetTransformation("param.value", out _));
    }

    [Fact]
    public void AModuleNameOrFunctionNameIsRegisteredOnce()
    {
        var registry = FunctionRegistry.CreateDefault();
        registry.RegisterModule(new ModuleDeclaration("rr", [new FunctionDeclaration("loose_route", 0, [], RouteTypes.Request)], []));
        Assert.True(registry.TryGetFunction("loose_route", out var f));
        Assert.Equal("rr", f.Module);
        var again = Assert.Throws<InvalidOperationException>(() => registry.RegisterModule(new ModuleDeclaration("rr", [], [])));
        Assert.Equal("module 'rr' is already registered", again.Message);
        var clash = Assert.Throws<InvalidOperationException>(() =>
            registry.RegisterModule(new ModuleDeclaration("x", [new FunctionDeclaration("forward", 0, [], RouteTypes.All)], [])));
        Assert.Equal("function 'forward' of module 'x' is already exported by module 'core'", clash.Message);
    }

    [Fact]
    public void ModuleFixupCanRejectAConstantArgument()
    {
        var functions = FunctionRegistry.CreateDefault();
        ParameterFixup onlyLocation = c => c.ToString() == "location" ? FixupResult.Ok("table:location") : FixupResult.Fail($"unknown table '{c}'");
        functions.RegisterModule(new ModuleDeclaration("registrar",
            [new FunctionDeclaration("save", 1, [new ParameterDeclaration("table", ParameterKind.String, onlyLocation)], RouteTypes.Request)], []));
        var text = "loadmodule \"registrar.so\"\nroute {\n  save(\"locations\");\n  save(\"location\");\n}\n";
        var result = ScriptLoader.LoadFromText(text, FileName, functions, PseudoVariableRegistry.CreateDefault());
        Assert.Equal("test.cfg:3:8: bad argument 1 of save: unknown table 'locations'", Assert.Single(result.Diagnostics).ToString());
    }

    [Fact]
    public void ModulePseudoVariableWithWriteRuleAndRouteRestriction()
    {
        var variables = PseudoVariableRegistry.CreateDefault();
        variables.Register(new PseudoVariableDeclaration("T_reply_code", PseudoVariableArgument.None, writable: false, RouteTypes.Failure | RouteTypes.OnReply));
        var text = "route {\n  $var(c) = $T_reply_code;\n}\nfailure_route[f] {\n  $var(c) = $T_reply_code;\n}\n";
        var result = ScriptLoader.LoadFromText(text, FileName, FunctionRegistry.CreateDefault(), variables);
        Assert.Equal("test.cfg:2:13: pseudo-variable '$T_reply_code' cannot be used in route", Assert.Single(result.Diagnostics).ToString());
        Assert.Throws<InvalidOperationException>(() => variables.Register(new PseudoVariableDeclaration("ru", PseudoVariableArgument.None, false)));
    }

    [Fact]
    public void RouteNameParameterMustNameAnExistingBlockOfItsKind()
    {
        var functions = FunctionRegistry.CreateDefault();
        functions.RegisterModule(new ModuleDeclaration("tm",
            [new FunctionDeclaration("t_on_failure", 1, [new ParameterDeclaration("route", ParameterKind.RouteName, null, RouteTypes.Failure)], RouteTypes.Request)], []));
        var text = "loadmodule \"tm.so\"\nroute {\n  t_on_failure(\"missed\");\n  t_on_failure(\"nope\");\n}\nfailure_route[missed] { exit; }\n";
        var result = ScriptLoader.LoadFromText(text, FileName, functions, PseudoVariableRegistry.CreateDefault());
        Assert.Equal("test.cfg:4:16: unknown failure_route 'nope'", Assert.Single(result.Diagnostics).ToString());
    }

    [Theory]
    [InlineData("[[:alpha:]]+", "abc", true)]
    [InlineData("^[[:digit:]]{3}$", "123", true)]
    [InlineData("^[[:digit:]]{3}$", "12a", false)]
    [InlineData("INVITE|BYE", "bye", true)]
    [InlineData("^sip:.*@example\\.com", "SIP:alice@EXAMPLE.com", true)]
    public void ScriptRegexFollowsExtendedCaseInsensitiveSemantics(string pattern, string input, bool matches)
    {
        Assert.True(ScriptRegex.TryCreate(pattern, out var regex, out _));
        Assert.Equal(matches, regex!.IsMatch(input));
    }

    [Fact]
    public void SocketSpecParsesProtocolHostAndPort()
    {
        Assert.True(SocketSpec.TryParse("udp:*:5060", out var any, out _));
        Assert.Equal(new SocketSpec("udp", "*", 5060), any);
        Assert.True(SocketSpec.TryParse("example.com", out var host, out _));
        Assert.Equal(5060, host!.PortOrDefault);
        Assert.True(SocketSpec.TryParse("tls:[2001:db8::1]", out var v6, out _));
        Assert.Equal(new SocketSpec("tls", "2001:db8::1", 0), v6);
        Assert.Equal(5061, v6!.PortOrDefault);
        Assert.False(SocketSpec.TryParse("udp:", out _, out string? error));
        Assert.Equal("missing host in 'udp:'", error);
    }

    [Fact]
    public void LiteralToStringPrintsValues()
    {
        var location = new Text.SourceLocation(FileName, 1, 1);
        Assert.Equal("12", LiteralExpression.Int(location, 12).ToString());
        Assert.Equal("NULL", LiteralExpression.Null(location).ToString());
    }
}
