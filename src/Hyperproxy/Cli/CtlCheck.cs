using System.Globalization;
using System.Text.Json.Nodes;

namespace Hyperproxy.Cli;

/// <summary>
/// <c>hyperproxy ctl check</c>: a Nagios check from the statistics (one MI <c>get_statistics all</c>): the
/// busiest worker's load over the last second, the share of received messages dropped or malformed since
/// start, and (when usrloc is loaded) the registered AoRs. Prints one Nagios line with perfdata and exits
/// 0 OK, 1 WARNING, 2 CRITICAL (also when the server cannot be reached).
/// </summary>
internal static class CtlCheck
{
    public sealed record Thresholds(double BusyWarning, double BusyCritical, double DropWarning, double DropCritical, long MinRegistered);

    public static int Evaluate(JsonObject stats, Thresholds t, TextWriter output)
    {
        long Get(string name) => stats[name] is JsonValue v && v.TryGetValue(out long l) ? l : 0;
        long busy = 0;
        foreach (var (name, value) in stats)
        {
            if (name.StartsWith("load:load-proc-", StringComparison.Ordinal) && value is JsonValue v && v.TryGetValue(out long l))
                busy = Math.Max(busy, l);
        }

        long received = Get("core:rcv_requests") + Get("core:rcv_replies");
        long bad = Get("core:drop_requests") + Get("core:drop_replies") + Get("core:err_requests") + Get("core:err_replies");
        double drops = received == 0 ? 0 : 100.0 * bad / received;
        bool hasUsers = stats.ContainsKey("usrloc:registered_users");
        long users = Get("usrloc:registered_users");

        int state = 0;
        var why = new List<string>();
        if (busy >= t.BusyCritical)
            Raise(2, $"worker busy {busy}% ≥ {t.BusyCritical}%");
        else if (busy >= t.BusyWarning)
            Raise(1, $"worker busy {busy}% ≥ {t.BusyWarning}%");
        if (drops >= t.DropCritical)
            Raise(2, $"drops {F(drops)}% ≥ {t.DropCritical}%");
        else if (drops >= t.DropWarning)
            Raise(1, $"drops {F(drops)}% ≥ {t.DropWarning}%");
        if (hasUsers && users < t.MinRegistered)
            Raise(1, $"{users} registered < {t.MinRegistered}");

        string word = state switch { 0 => "OK", 1 => "WARNING", _ => "CRITICAL" };
        string summary = why.Count > 0 ? string.Join(", ", why)
            : $"busy {busy}%, drops {F(drops)}%" + (hasUsers ? $", {users} registered" : "");
        string perf = $"busy={busy}%;{t.BusyWarning};{t.BusyCritical};0;100 drops={F(drops)}%;{t.DropWarning};{t.DropCritical};0;100"
            + (hasUsers ? $" registered={users};{t.MinRegistered};;0" : "")
            + $" rcv_requests={Get("core:rcv_requests")}c rcv_replies={Get("core:rcv_replies")}c";
        output.WriteLine($"HYPERPROXY {word} - {summary} | {perf}");
        return state;

        void Raise(int level, string text)
        {
            state = Math.Max(state, level);
            why.Add(text);
        }
    }

    private static string F(double d) => d.ToString("0.00", CultureInfo.InvariantCulture);
}
