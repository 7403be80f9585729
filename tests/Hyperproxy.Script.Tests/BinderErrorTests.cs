using static Hyperproxy.Script.Tests.ScriptTestHelper;

namespace Hyperproxy.Script.Tests;

public class BinderErrorTests
{
    /// <summary>The catalog's module list as the "built in: ..." messages print it (computed, so adding a module changes no test).</summary>
    private static readonly string BuiltIn = new Modules.ModuleCatalog().CreateRegistry().BuiltInModuleNames();

    [Fact]
    public void TheBuiltInListIsSortedAndNamesTheCoreModules()
    {
        string[] names = BuiltIn.Split(", ");
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Superset(new HashSet<string> { "sl", "tm", "rr", "path", "registrar", "usrloc", "auth", "pike", "tracer" }, new HashSet<string>(names));
    }

    [Theory]
    [InlineData("  foo();", "test.cfg:6:3: unknown function 'foo'")]
    [InlineData("  sl_send_reply(404);", "test.cfg:6:3: function 'sl_send_reply' takes 2 arguments, got 1")]
    [InlineData("  has_totag(1);", "test.cfg:6:3: function 'has_totag' takes no arguments, got 1")]
    [InlineData("  xlog();", "test.cfg:6:3: function 'xlog' takes 1 to 2 arguments, got 0")]
    [InlineData("  strip(1, 2);", "test.cfg:6:3: function 'strip' takes 1 argument, got 2")]
    [InlineData("  if ($rm =~ \"(a\") exit;", "test.cfg:6:14: bad regular expression \"(a\": Invalid pattern '(a' at offset 2. Not enough )'s.")]
    [InlineData("  $foo = 1;", "test.cfg:6:3: unknown pseudo-variable '$foo'")]
    [InlineData("  xlog(\"x=$nope\\n\");", "test.cfg:6:11: unknown pseudo-variable '$nope'")]
    [InlineData("  $rm = \"INVITE\";", "test.cfg:6:3: pseudo-variable '$rm' is read-only")]
    [InlineData("  $si = \"1.2.3.4\";", "test.cfg:6:3: pseudo-variable '$si' is read-only")]
    [InlineData("  $var = 1;", "test.cfg:6:3: pseudo-variable '$var' needs an argument: $var(...)")]
    [InlineData("  $var(x) = $ru(y);", "test.cfg:6:13: pseudo-variable '$ru' takes no argument")]
    [InlineData("  $var(x) = $socket_in(mac);", "test.cfg:6:13: $socket_in(mac): unknown socket field 'mac' (ip, port, proto, af, advertised_ip, advertised_port, tag, anycast)")]
    [InlineData("  $var(x) = $param(0);", "test.cfg:6:13: $param(0): '0' is not a parameter number (1, 2, ...)")]
    [InlineData("  $var(x) = $(ru[1]);", "test.cfg:6:13: pseudo-variable '$ru' cannot be indexed")]
    [InlineData("  $var(x) = $(hdr(Via)[abc]);", "test.cfg:6:13: bad index '[abc]' of '$hdr' (a number, -1 for the last, or *)")]
    [InlineData("  $var(x) = $(ru{uri.nope});", "test.cfg:6:17: unknown transformation '{uri.nope}'")]
    [InlineData("  $var(x) = $(ct{param.value});", "test.cfg:6:17: transformation '{param.value}' takes 1 to 2 arguments, got 0")]
    [InlineData("  $(ru{uri.user}) = 1;", "test.cfg:6:3: cannot assign to a pseudo-variable with transformations")]
    [InlineData("  $var(x) = $err.class;", "test.cfg:6:13: pseudo-variable '$err.class' cannot be used in route")]
    [InlineData("  route(nowhere);", "test.cfg:6:9: unknown route 'nowhere' (no route[nowhere] block)")]
    [InlineData("  route($var(x));", "test.cfg:6:9: route() needs a constant route name")]
    [InlineData("  route();", "test.cfg:6:3: route() needs a route name: route(name[, args...])")]
    [InlineData("  break;", "test.cfg:6:3: break outside a switch case or a loop")]
    [InlineData("  sl_send_reply(999, \"x\");", "test.cfg:6:17: bad argument 1 of sl_send_reply: '999' is not a SIP status code (100..699)")]
    [InlineData("  sl_send_reply(\"abc\", \"x\");", "test.cfg:6:17: argument 1 of sl_send_reply must be a number")]
    [InlineData("  mf_process_maxfwd_header(300);", "test.cfg:6:28: bad argument 1 of mf_process_maxfwd_header: '300' is out of range (0..255)")]
    [InlineData("  is_method(\"INV ITE\");", "test.cfg:6:13: bad argument 1 of is_method: 'INV ITE' is not a list of methods separated by '|'")]
    [InlineData("  is_method($rm);", "test.cfg:6:13: argument 1 of is_method must be a constant string")]
    [InlineData("  remove_hf(\"Bad Name\");", "test.cfg:6:13: bad argument 1 of remove_hf: 'Bad Name' is not a header name")]
    [InlineData("  force_send_socket(\"1.2.3.4\");", "test.cfg:6:21: bad argument 1 of force_send_socket: '1.2.3.4' needs a protocol (proto:host[:port])")]
    [InlineData("  forward(\"udp:1.2.3.4:99999\");", "test.cfg:6:11: bad argument 1 of forward: bad port '99999' in 'udp:1.2.3.4:99999'")]
    [InlineData("  xlog(\"L_LOUD\", \"x\");", "test.cfg:6:3: xlog: unknown log level 'L_LOUD' (L_ALERT, L_CRIT, L_ERR, L_WARN, L_NOTICE, L_INFO, L_DBG)")]
    [InlineData("  setflag(32);", "test.cfg:6:11: flag number 32 is out of range (0..31)")]
    [InlineData("  setflag($var(x));", "test.cfg:6:11: argument 1 of setflag must be a flag name or number")]
    [InlineData("  if (myself) exit;", "test.cfg:6:7: 'myself' can only be compared with == or !=")]
    [InlineData("  if ($si < 10.0.0.0/8) exit;", "test.cfg:6:11: an IP address or network can only be compared with == or !=")]
    [InlineData("  if ($ru =~ 5) exit;", "test.cfg:6:14: the right side of =~ / !~ must be a string or a variable")]
    [InlineData("  $var(x) = 1 / 0;", "test.cfg:6:15: division by zero")]
    [InlineData("  $var(x) += NULL;", "test.cfg:6:14: NULL can only be assigned with = or :=")]
    [InlineData("  $var(x) := 1;", "test.cfg:6:3: ':=' is only for $avp(...); use '='")]
    [InlineData("  switch ($rm) { case 1: exit; case 1: exit; }", "test.cfg:6:32: duplicate case '1' in switch")]
    [InlineData("  save(\"location\");", "test.cfg:6:3: function 'save' needs module 'registrar' (add loadmodule \"registrar.so\")")]
    [InlineData("  lookup(\"location\");", "test.cfg:6:3: function 'lookup' needs module 'registrar' (add loadmodule \"registrar.so\")")]
    public void ErrorInMainRouteIsReportedWithItsPosition(string body, string expected)
    {
        Assert.Equal([expected], RouteErrors(body));
    }

    [Fact]
    public void FunctionOfAModuleNotLoadedIsAnError()
    {
        Assert.Equal(["test.cfg:2:3: function 'sl_send_reply' needs module 'sl' (add loadmodule \"sl.so\")"],
            Errors("route {\n  sl_send_reply(200, \"OK\");\n}"));
    }

    [Fact]
    public void FunctionNotAllowedInRouteTypeIsAnError()
    {
        Assert.Equal(["test.cfg:7:3: function 'sl_send_reply' cannot be used in onreply_route"],
            Errors(ModuleLines + "route { exit; }\nonreply_route {\n  sl_send_reply(200, \"OK\");\n}"));
    }

    [Fact]
    public void SubRouteInheritsTheRouteTypesOfItsCallers()
    {
        string script = ModuleLines + "route { route(common); }\nonreply_route[r] { route(common); }\nroute[common] {\n  mf_process_maxfwd_header(10);\n}";
        Assert.Equal(["test.cfg:8:3: function 'mf_process_maxfwd_header' cannot be used in onreply_route (route[common] is called from onreply_route)"],
            Errors(script));
    }

    [Fact]
    public void SubRouteReachedOnlyThroughAnotherSubRouteIsChecked()
    {
        string script = ModuleLines + "route { exit; }\nfailure_route[f] { route(a); }\nroute[a] { route(b); }\nroute[b] {\n  sl_send_reply(500, \"x\");\n}";
        Assert.Equal(["test.cfg:9:3: function 'sl_send_reply' cannot be used in failure_route (route[b] is called from failure_route)"],
            Errors(script));
    }

    [Fact]
    public void DuplicateRouteNamesAreReportedAtTheSecondDefinition()
    {
        Assert.Equal(
        [
            "test.cfg:3:1: route[relay] is already defined at test.cfg:2:1",
            "test.cfg:4:1: route is already defined at test.cfg:1:1",
        ], Errors("route { exit; }\nroute[relay] { exit; }\nroute[relay] { exit; }\nroute[0] { exit; }"));
    }

    [Fact]
    public void MissingMainRouteIsAnError()
    {
        Assert.Equal(["test.cfg:1:1: the script has no main route block (route { ... })"], Errors("route[a] { exit; }"));
    }

    [Theory]
    [InlineData("foo_bar = 1", "test.cfg:1:1: unknown global parameter 'foo_bar'")]
    [InlineData("udp_workers = many", "test.cfg:1:15: global parameter 'udp_workers' expects a number, got 'many'")]
    [InlineData("children = 0", "test.cfg:1:12: 'children' must be at least 1")]
    [InlineData("log_level = 9", "test.cfg:1:13: 'log_level' must be between -3 and 4")]
    [InlineData("check_via = maybe", "test.cfg:1:13: global parameter 'check_via' expects yes/no, got 'maybe'")]
    [InlineData("socket = udp:1.2.3.4:70000", "test.cfg:1:10: bad socket 'udp:1.2.3.4:70000': bad port '70000' in 'udp:1.2.3.4:70000'")]
    [InlineData("listen = udp:1.2.3.4:5060 frob", "test.cfg:1:10: bad listen 'udp:1.2.3.4:5060 frob': unexpected 'frob' in socket definition")]
    [InlineData("advertised_port = 0", "test.cfg:1:19: 'advertised_port' must be a port (1..65535)")]
    [InlineData("max_while_loops = 0", "test.cfg:1:19: 'max_while_loops' must be at least 1")]
    [InlineData("rev_dns = yes", "test.cfg:1:11: 'rev_dns = yes' (checking a Via's address by reverse DNS) is not supported; remove it or set no")]
    [InlineData("dns = on", "test.cfg:1:7: 'dns = yes' (checking a Via's sent-by name against the source address by DNS) is not supported; remove it or set no")]
    [InlineData("disable_dns_blacklist = no", "test.cfg:1:25: 'disable_dns_blacklist = no' (the DNS blacklist of failed destinations) is not supported; remove it or set yes")]
    [InlineData("loadmodule \"frobnicate.so\"", "test.cfg:1:12: module 'frobnicate' is not built into Hyperproxy (loadmodule \"frobnicate.so\"); built in: {builtIn}; --ignore-missing-modules skips it with a warning")]
    [InlineData("modparam(\"nosuch\", \"x\", 1)", "test.cfg:1:10: modparam: unknown module 'nosuch'")]
    [InlineData("modparam(\"sl\", \"enable_stats\", 1)", "test.cfg:1:10: modparam: module 'sl' is not loaded (add loadmodule \"sl.so\")")]
    [InlineData("loadmodule \"maxfwd.so\"\nmodparam(\"maxfwd\", \"nope\", 1)", "test.cfg:2:20: module 'maxfwd' has no parameter 'nope'")]
    [InlineData("loadmodule \"maxfwd.so\"\nmodparam(\"maxfwd\", \"max_limit\", \"lots\")", "test.cfg:2:33: parameter 'max_limit' of module 'maxfwd' expects an integer, got string \"lots\"")]
    [InlineData("loadmodule \"usrloc.so\"\nmodparam(\"usrloc\", \"nat_bflag\", 3)", "test.cfg:2:33: parameter 'nat_bflag' of module 'usrloc' expects a string, got integer 3")]
    public void TopLevelErrorsAreReportedWithTheirPosition(string text, string expected)
    {
        Assert.Equal([expected.Replace("{builtIn}", BuiltIn, StringComparison.Ordinal)], Errors(text + "\nroute { exit; }\n"));
    }

    [Theory]
    [InlineData("dialog")]
    [InlineData("proto_sctp")]
    [InlineData("mi_fifo")]
    public void FormerPlaceholderModuleIsAStartUpErrorListingTheBuiltInModules(string module)
    {
        string error = Assert.Single(Errors($"loadmodule \"{module}.so\"\nmodparam(\"{module}\", \"x\", 1)\nroute {{ exit; }}\n"));
        Assert.StartsWith($"test.cfg:1:12: module '{module}' is not built into Hyperproxy (loadmodule \"{module}.so\"); built in: {BuiltIn};", error);
    }

    [Fact]
    public void IgnoreMissingModulesWarnsOncePerModuleAndLeavesItsFunctionsUnknown()
    {
        var registry = new Modules.ModuleCatalog { IgnoreMissingModules = true }.CreateRegistry();
        string text = "loadmodule \"dialog.so\"\nloadmodule \"dialog.so\"\nloadmodule \"mi_fifo.so\"\nmodparam(\"dialog\", \"default_timeout\", 5)\nroute { exit; }\n";
        var ok = ScriptLoader.LoadFromText(text, FileName, registry, Declarations.PseudoVariableRegistry.CreateDefault());
        Assert.True(ok.Succeeded, ok.FormatDiagnostics());
        Assert.Equal(
        [
            $"test.cfg:1:12: module 'dialog' is not built into Hyperproxy and is ignored (--ignore-missing-modules); its functions are unknown; built in: {BuiltIn}",
            $"test.cfg:3:12: module 'mi_fifo' is not built into Hyperproxy and is ignored (--ignore-missing-modules); its functions are unknown; built in: {BuiltIn}",
        ], ok.Warnings.Select(w => w.ToString()));

        var call = ScriptLoader.LoadFromText("loadmodule \"dialog.so\"\nroute {\n  create_dialog();\n}\n", FileName, registry, Declarations.PseudoVariableRegistry.CreateDefault());
        Assert.Equal("test.cfg:3:3: unknown function 'create_dialog'", Assert.Single(call.Diagnostics).ToString());
    }

    [Fact]
    public void AllErrorsAreCollectedAndSortedByPosition()
    {
        var errors = Errors("route {\n  bar();\n  $rm = 1;\n}\nfoo = 1\nloadmodule \"nosuch.so\"\n");
        Assert.Equal(
        [
            "test.cfg:2:3: unknown function 'bar'",
            "test.cfg:3:3: pseudo-variable '$rm' is read-only",
            "test.cfg:5:1: unknown global parameter 'foo'",
            $"test.cfg:6:12: module 'nosuch' is not built into Hyperproxy (loadmodule \"nosuch.so\"); built in: {BuiltIn}; --ignore-missing-modules skips it with a warning",
        ], errors);
    }

    [Fact]
    public void ErrorCountIsBounded()
    {
        var body = string.Concat(Enumerable.Repeat("  nope();\n", 150));
        var errors = Errors("route {\n" + body + "}\n");
        Assert.Equal(101, errors.Count);
        Assert.EndsWith("50 more error(s) not shown", errors[^1]);
    }
}
