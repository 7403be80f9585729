using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Hyperproxy.Tests.Docs;

/// <summary>
/// The README's whole-server table is written by perf/report.py from a run's saved results, not by hand: ranges on
/// every figure of a multi-round run and on none of a single round, a cell only where a system ran that scenario,
/// and the README quoting exactly what report.py prints for the run kept in perf/readme-run.json.
/// </summary>
public sealed class BenchmarkReportTests : IDisposable
{
    private static readonly (string System, string Scenario)[] s_rows =
    [
        ("C reflector (echo)", "options"), ("C reflector (sl 200)", "options"), ("Hyperproxy", "options"), ("Kamailio 5.6", "options"),
        ("udpgen + responder, no proxy", "forward"), ("Hyperproxy", "forward"), ("Kamailio 5.6", "forward"),
        ("Hyperproxy", "rr-forward"), ("Kamailio 5.6", "rr-forward"),
        ("C reflector (sl 200)", "register"), ("Hyperproxy (durability none)", "register"),
        ("Hyperproxy (durability sync)", "register"), ("Kamailio 5.6", "register"),
    ];

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-report-" + Guid.NewGuid().ToString("N"));

    public BenchmarkReportTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TheReadmeQuotesTheTableReportPyPrintsForTheKeptRun()
    {
        string root = MarkdownLinkTests.RepositoryRoot();
        string table = ReadmeTable(Path.Combine(root, "perf", "readme-run.json"));

        Assert.Contains(table, File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void ASingleRoundGivesNoRangesAndSeveralRoundsGiveARangeOnEveryFigure()
    {
        string one = ReadmeTable(Write(rounds: 1));
        string three = ReadmeTable(Write(rounds: 3));

        foreach (string cell in Figures(one))
        {
            Assert.DoesNotContain("–", cell, StringComparison.Ordinal);
        }

        foreach (string cell in Figures(three))
        {
            Assert.Matches(@"/s( [a-z0-9 -]+)? \([0-9 ]+–[0-9 ]+\)", cell);
        }
    }

    [Fact]
    public void TheGeneratorAloneFigureAppearsOnlyUnderTheScenarioItWasMeasuredIn()
    {
        string row = TableRows(ReadmeTable(Write(rounds: 1))).Single(r => r.StartsWith("| udpgen + responder alone", StringComparison.Ordinal));
        string[] cells = row.Split('|', StringSplitOptions.TrimEntries)[2..^1];

        Assert.Equal(["–", "5 000/s", "–", "–"], cells);
    }

    /// <summary>A run-bench.sh result (meta + runs) with made-up, distinct figures per row and round.</summary>
    private string Write(int rounds)
    {
        var runs = new JsonArray();
        for (int round = 1; round <= rounds; round++)
        {
            for (int i = 0; i < s_rows.Length; i++)
            {
                long count = (i + 1) * 5_000L + round * 50;
                runs.Add(new JsonObject
                {
                    ["system"] = s_rows[i].System,
                    ["scenario_key"] = s_rows[i].Scenario,
                    ["scenario"] = s_rows[i].Scenario == "rr-forward" ? "forward" : s_rows[i].Scenario,
                    ["round"] = round,
                    ["duration_s"] = 5,
                    ["received"] = count,
                    ["via_responder"] = count - (round * 50),
                    ["by_class"] = new JsonObject { ["2xx"] = count },
                    ["window"] = 256,
                    ["server_cpu_pct"] = 99,
                    ["gen_busy_pct"] = 90,
                });
            }
        }

        var meta = new JsonObject
        {
            ["date"] = "2026-12-07T04-00-00", ["mode"] = "quick", ["cpu_model"] = "test CPU", ["kernel"] = "6.18", ["cpus"] = 2,
            ["duration_s"] = 5, ["warmup_s"] = 2, ["register_warmup_s"] = 4, ["window"] = 256, ["server_cpu"] = 0, ["gen_cpu"] = 1,
            ["register_users"] = 100000, ["rounds"] = rounds, ["kamailio_version"] = "version: kamailio 5.6.3",
        };
        string path = Path.Combine(_dir, $"run-{rounds}.json");
        File.WriteAllText(path, new JsonObject { ["meta"] = meta, ["runs"] = runs }.ToJsonString());
        return path;
    }

    private static IEnumerable<string> TableRows(string table) =>
        table.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| system", StringComparison.Ordinal));

    /// <summary>Every ok/s figure of the table (cells and comma-separated parts that hold "/s").</summary>
    private static IEnumerable<string> Figures(string table) =>
        TableRows(table).SelectMany(r => r.Split('|')).SelectMany(c => c.Split(", ")).Where(c => c.Contains("/s", StringComparison.Ordinal));

    private static string ReadmeTable(string resultJson)
    {
        string root = MarkdownLinkTests.RepositoryRoot();
        var start = new ProcessStartInfo("python3", [Path.Combine(root, "perf", "report.py"), "--readme", resultJson])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(30_000), "report.py did not finish");
        Assert.True(process.ExitCode == 0, "report.py: " + error.Result);
        return output.ReplaceLineEndings("\n");
    }
}
