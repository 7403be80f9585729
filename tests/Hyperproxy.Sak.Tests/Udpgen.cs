using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Hyperproxy.Sak.Tests;

/// <summary>native/udpgen, built afresh once per test process (an in-tree native/build may predate a scenario).</summary>
internal static class Udpgen
{
    private static readonly Lazy<string> s_path = new(Build);

    /// <summary>Runs udpgen with <paramref name="args"/> (bounded at 90 s): its exit code must be 0; returns its JSON.</summary>
    public static JsonElement Run(params string[] args)
    {
        var (code, output, error) = Peers.Exec(s_path.Value, string.Join(' ', args), 90_000);
        Assert.True(code == 0, output + error);
        using JsonDocument json = JsonDocument.Parse(output);
        return json.RootElement.Clone();
    }

    private static string Build()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hp-udpgen-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var configure = Peers.Exec("cmake", $"-S {Path.Combine(Peers.RepoRoot, "native")} -B {dir} -DCMAKE_BUILD_TYPE=Release", 120_000);
        Assert.True(configure.Code == 0, "cmake configure: " + configure.Err);
        var build = Peers.Exec("cmake", $"--build {dir} --target udpgen", 120_000);
        Assert.True(build.Code == 0, "cmake build: " + build.Out + build.Err);
        string udpgen = Path.Combine(dir, "udpgen");
        Debug.Assert(File.Exists(udpgen));
        return udpgen;
    }
}
