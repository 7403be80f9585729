using System.Globalization;
using System.Text.Json.Nodes;
using Hyperproxy.Hosting;
using Hyperproxy.Script.Management;
using Hyperproxy.Script.Statistics;

namespace Hyperproxy.Management.Mi;

/// <summary>
/// The core's MI commands with OpenSIPS's names and result shapes (mi/mi_core.c, statistics.c): version, uptime,
/// which, ps, pwd, arg, log_level, get_statistics, list_statistics, reset_statistics, reset_all_statistics,
/// shutdown (kill).
/// </summary>
public static class CoreMiCommands
{
    public static IEnumerable<MiCommand> Create(ProxyServer server, MiDispatcher dispatcher, IReadOnlyList<string> processes)
    {
        StatisticsRegistry stats = server.Statistics;
        yield return new MiCommand("version", _ => new JsonObject
        {
            ["Server"] = $"Hyperproxy ({VersionInfo.Version} ({System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}/linux))",
        }, [], ["revision"]);
        yield return new MiCommand("uptime", _ =>
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            return new JsonObject
            {
                ["Now"] = CTime(now),
                ["Up since"] = CTime(server.Started),
                ["Up time"] = ((long)(now - server.Started).TotalSeconds).ToString(CultureInfo.InvariantCulture) + " [sec]",
            };
        });
        yield return new MiCommand("which", a =>
        {
            if (a.String("command") is { } name)
            {
                MiCommand c = dispatcher.Find(name) ?? throw new MiException(404, "unknown MI command");
                var recipes = new JsonArray();
                foreach (string[] r in c.Recipes)
                    recipes.Add(new JsonArray([.. r.Select(p => (JsonNode)JsonValue.Create(p))]));
                return recipes;
            }

            var all = new JsonArray();
            foreach (MiCommand c in dispatcher.Commands)
                all.Add(c.Name);
            return all;
        }, [], ["command"]);
        yield return new MiCommand("ps", _ =>
        {
            var list = new JsonArray();
            int pid = Environment.ProcessId;
            for (int i = 0; i < processes.Count; i++)
                list.Add(new JsonObject { ["ID"] = i, ["PID"] = pid, ["Type"] = processes[i] });
            return new JsonObject { ["Processes"] = list };
        });
        yield return new MiCommand("pwd", _ => new JsonObject { ["WD"] = Environment.CurrentDirectory });
        yield return new MiCommand("arg", _ => new JsonArray([.. Environment.GetCommandLineArgs().Select(s => (JsonNode)JsonValue.Create(s))]));
        yield return new MiCommand("log_level", a =>
        {
            if (a.Integer("level") is not { } level)
            {
                var list = new JsonArray();
                int pid = Environment.ProcessId;
                for (int i = 0; i < processes.Count; i++)
                    list.Add(new JsonObject { ["PID"] = pid, ["Log level"] = ToScriptLevel(Log.Level), ["Type"] = processes[i] });
                return new JsonObject { ["Processes"] = list };
            }

            if (level is < -3 or > 4)
                throw new MiException(400, "Bad parameter value: log levels are -3 .. 4");
            if (a.Integer("pid") is { } p && p != Environment.ProcessId)
                throw new MiException(404, "no such process");
            Log.Level = Log.FromScriptLevel((int)level);
            Log.Notice($"MI: log level set to {level} ({Log.Level.ToString().ToLowerInvariant()})");
            return new JsonObject { ["New global log level"] = level };
        }, [], ["level"], ["level", "pid"]);
        yield return new MiCommand("get_statistics", a =>
        {
            var result = new JsonObject();
            foreach (Statistic s in Select(stats, a.List("statistics")))
                result[s.FullName] = stats.Read(s);
            if (result.Count == 0)
                throw new MiException(404, "Statistics Not Found");
            return result;
        }, ["statistics"]) { ArrayParameters = ["statistics"] };
        yield return new MiCommand("list_statistics", a =>
        {
            var result = new JsonObject();
            IEnumerable<Statistic> chosen = a.Has("statistics") ? Select(stats, a.List("statistics")) : stats.All;
            foreach (Statistic s in chosen)
                result[s.FullName] = s.Kind == StatisticKind.Counter ? "incremental" : "non-incremental";
            if (result.Count == 0)
                throw new MiException(404, "Statistics Not Found");
            return result;
        }, [], ["statistics"]) { ArrayParameters = ["statistics"] };
        yield return new MiCommand("reset_statistics", a =>
        {
            foreach (Statistic s in Select(stats, a.List("statistics")))
                stats.Reset(s);
            return MiCommand.Ok;
        }, ["statistics"]) { ArrayParameters = ["statistics"] };
        yield return new MiCommand("reset_all_statistics", _ =>
        {
            foreach (Statistic s in stats.All)
                stats.Reset(s);
            return MiCommand.Ok;
        });
        yield return new MiCommand("shutdown", _ =>
        {
            Log.Notice("MI: shutdown requested");
            server.StopRequested.Set();
            return MiCommand.Ok;
        }) { Aliases = ["kill"] };
    }

    private static List<Statistic> Select(StatisticsRegistry stats, IReadOnlyList<string> specs)
    {
        var chosen = new List<Statistic>();
        var seen = new HashSet<Statistic>();
        foreach (string spec in specs)
        {
            foreach (Statistic s in stats.Select(spec))
            {
                if (seen.Add(s))
                    chosen.Add(s);
            }
        }

        return chosen;
    }

    private static int ToScriptLevel(LogLevel level) => level switch
    {
        LogLevel.Error => -1,
        LogLevel.Warning => 1,
        LogLevel.Notice => 2,
        LogLevel.Info => 3,
        _ => 4,
    };

    /// <summary>OpenSIPS prints times with ctime(): "Mon Dec  7 06:00:00 2026".</summary>
    private static string CTime(DateTimeOffset t) =>
        t.UtcDateTime.ToString("ddd MMM ", CultureInfo.InvariantCulture) + t.UtcDateTime.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2)
        + t.UtcDateTime.ToString(" HH:mm:ss yyyy", CultureInfo.InvariantCulture);
}
