using Hyperproxy.Cli;
using Hyperproxy.Script;

namespace Hyperproxy.Tests.Scripting;

public sealed class ScriptCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-cli-" + Guid.NewGuid().ToString("N"));

    public ScriptCliTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = HyperproxyCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private string Write(string text)
    {
        string path = Path.Combine(_dir, "x.cfg");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void CheckConfigAcceptsAGoodScript()
    {
        string path = Write("loadmodule \"sl.so\"\nroute {\n    sl_send_reply(200, \"OK\");\n}\n");
        (int code, string output, string error) = Run("check-config", path);
        Assert.Equal(0, code);
        Assert.Contains("OK", output, StringComparison.Ordinal);
        Assert.Equal("", error);
    }

    [Fact]
    public void CheckConfigPrintsEveryErrorWithFileLineAndColumn()
    {
        string path = Write("loadmodule \"sl.so\"\nroute {\n    sl_send_reply(999, \"x\");\n    foo();\n    $si = 1;\n}\n");
        (int code, _, string error) = Run("check-config", path);
        Assert.Equal(1, code);
        string[] lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal($"{path}:3:19: bad argument 1 of sl_send_reply: '999' is not a SIP status code (100..699)", lines[0]);
        Assert.Equal($"{path}:4:5: unknown function 'foo'", lines[1]);
        Assert.Equal($"{path}:5:5: pseudo-variable '$si' is read-only", lines[2]);
        Assert.EndsWith("3 error(s)", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public void CheckConfigRefusesANotBuiltInModuleUnlessToldToIgnoreIt()
    {
        string path = Write("loadmodule \"sl.so\"\nloadmodule \"dialog.so\"\nmodparam(\"dialog\", \"default_timeout\", 5)\nroute {\n    sl_send_reply(200, \"OK\");\n}\n");
        (int code, _, string error) = Run("check-config", path);
        Assert.Equal(1, code);
        Assert.StartsWith($"{path}:2:12: module 'dialog' is not built into Hyperproxy (loadmodule \"dialog.so\"); built in: auth, auth_db, ", error, StringComparison.Ordinal);

        (code, string output, error) = Run("check-config", "--ignore-missing-modules", path);
        Assert.Equal(0, code);
        Assert.Contains("OK", output, StringComparison.Ordinal);
        Assert.StartsWith($"warning: {path}:2:12: module 'dialog' is not built into Hyperproxy and is ignored (--ignore-missing-modules)", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void ModulesPrintsEveryModuleWithItsFunctionsAndParameterDefaults()
    {
        (int code, string output, _) = Run("modules");
        Assert.Equal(0, code);
        string[] lines = output.Split('\n', StringSplitOptions.TrimEntries);
        foreach (string module in new[] { "core", "sl", "signaling", "maxfwd", "sipmsgops", "proto_udp", "rr", "path", "registrar", "usrloc" })
        {
            Assert.Contains(module, lines);
        }

        Assert.Contains(lines, l => l.StartsWith("sl_send_reply(code, reason)", StringComparison.Ordinal) && l.EndsWith("2     route|error_route", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("lookup(domain[, flags[, aor]])", StringComparison.Ordinal) && l.Contains(" 1-3 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("default_expires", StringComparison.Ordinal) && l.EndsWith("int     default 3600", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("received_param", StringComparison.Ordinal) && l.EndsWith("string  default \"received\"", StringComparison.Ordinal));
        Assert.Contains("tm", lines);
        Assert.DoesNotContain("dialog", lines);
    }

    [Fact]
    public void CheckConfigOfAMissingFileFails()
    {
        (int code, _, string error) = Run("check-config", Path.Combine(_dir, "none.cfg"));
        Assert.NotEqual(0, code);
        Assert.Contains("none.cfg", error, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultConfigPrintsTheBuiltInScriptWhichChecksClean()
    {
        (int code, string output, _) = Run("default-config");
        Assert.Equal(0, code);
        Assert.Equal(ScriptLoader.DefaultScriptText, output);
        Assert.Equal(0, Run("check-config", Write(output)).Code);
    }

    [Fact]
    public void RunWithABadScriptStopsWithItsErrors()
    {
        string path = Write("route {\n    forward(\n}\n");
        (int code, _, string error) = Run("run", "--config", path, "--listen", "udp:127.0.0.1:0");
        Assert.Equal(1, code);
        string[] lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal($"hyperproxy: --config '{path}': the routing script has 1 error(s):", lines[0]);
        Assert.StartsWith($"{path}:3:1:", lines[1], StringComparison.Ordinal);
    }
}
