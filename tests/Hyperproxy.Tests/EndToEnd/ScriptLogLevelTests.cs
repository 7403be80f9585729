namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// The script's <c>log_level</c> (OpenSIPS's numbers, as the default script documents them) sets the process log level
/// when <c>--log-level</c> is not given: a debug line from startup_route shows at 4 and not at 2.
/// </summary>
public sealed class ScriptLogLevelTests : IDisposable
{
    private const string Marker = "log-level-probe";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-log-level-" + Guid.NewGuid().ToString("N"));

    public ScriptLogLevelTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Func<int, string> Script(int logLevel) => port => $$"""
        log_level = {{logLevel}}
        socket = udp:127.0.0.1:{{port}}
        udp_workers = 1
        startup_route {
            xlog("L_DBG", "{{Marker}}\n");
        }
        route {
            drop;
        }
        """;

    [Theory]
    [InlineData(4, true)]
    [InlineData(2, false)]
    public void TheScriptsLogLevelDecidesWhetherADebugLineIsWritten(int logLevel, bool written)
    {
        using ServerProcess server = ServerProcess.StartScript(Script(logLevel), _dir, "none");

        Assert.Equal(0, server.Terminate(30_000));
        Assert.Equal(written, server.Output.Contains(Marker, StringComparison.Ordinal));
    }
}
