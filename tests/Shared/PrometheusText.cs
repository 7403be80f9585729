using System.Globalization;
using System.Text.RegularExpressions;

namespace Hyperproxy.Testing;

/// <summary>
/// A checker of the Prometheus text exposition format (0.0.4), written from its rules: every line a
/// <c># TYPE</c>/<c># HELP</c>/comment line or a sample <c>name{label="value",...} value [timestamp]</c>; names and
/// label names from their character sets; label values with only the escapes \\ \" \n; one TYPE per family,
/// before its samples, its lines in one group; no series twice; a histogram's buckets carry <c>le</c>, rise in
/// <c>le</c>, never fall in count, end with <c>+Inf</c> equal to <c>_count</c>, and have a <c>_sum</c>.
/// Throws with the line at the first violation; returns the samples.
/// </summary>
internal static partial class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
    {
        public string Series => Name + "{" + string.Join(",", Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    public static List<Sample> Parse(string text)
    {
        if (text.Length != 0 && !text.EndsWith('\n'))
            throw new FormatException("the last line does not end with \\n");
        var samples = new List<Sample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var finished = new HashSet<string>(StringComparer.Ordinal); // families whose group of lines has ended
        var series = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        int number = 0;
        foreach (string line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0)
                continue;
            string Where() => $"line {number}: '{line}'";
            if (line[0] == '#')
            {
                string[] f = line.Split(' ', 4);
                if (f.Length >= 3 && f[0] == "#" && f[1] is "TYPE" or "HELP")
                {
                    if (!MetricName().IsMatch(f[2]))
                        throw new FormatException($"bad metric name in {Where()}");
                    if (f[1] == "TYPE")
                    {
                        if (f.Length != 4 || f[3] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                            throw new FormatException($"bad type in {Where()}");
                        if (!types.TryAdd(f[2], f[3]))
                            throw new FormatException($"second TYPE for {f[2]} in {Where()}");
                        if (samples.Any(s => Family(s.Name, types) == f[2]))
                            throw new FormatException($"TYPE after samples of {f[2]} in {Where()}");
                    }
                }

                continue;
            }

            Sample sample = ParseSample(line, Where);
            string family = Family(sample.Name, types);
            if (family != current)
            {
                if (current is not null)
                    finished.Add(current);
                if (finished.Contains(family))
                    throw new FormatException($"lines of {family} are not one group: {Where()}");
                current = family;
            }

            if (!series.Add(sample.Series))
                throw new FormatException($"series twice: {Where()}");
            samples.Add(sample);
        }

        CheckHistograms(samples, types);
        return samples;
    }

    /// <summary>The family a sample belongs to: a histogram's <c>_bucket</c>/<c>_sum</c>/<c>_count</c> belong to the histogram.</summary>
    private static string Family(string name, Dictionary<string, string> types)
    {
        foreach (string suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(name[..^suffix.Length], out string? t) && t is "histogram" or "summary")
                return name[..^suffix.Length];
        }

        return name;
    }

    private static Sample ParseSample(string line, Func<string> where)
    {
        int i = 0;
        while (i < line.Length && line[i] is not ('{' or ' '))
            i++;
        string name = line[..i];
        if (!MetricName().IsMatch(name))
            throw new FormatException($"bad metric name in {where()}");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i < line.Length && line[i] == '}')
                {
                    i++;
                    break;
                }

                int eq = line.IndexOf('=', i);
                if (eq < 0)
                    throw new FormatException($"label without '=' in {where()}");
                string label = line[i..eq];
                if (!LabelName().IsMatch(label) || label.StartsWith("__", StringComparison.Ordinal))
                    throw new FormatException($"bad label name '{label}' in {where()}");
                i = eq + 1;
                if (i >= line.Length || line[i] != '"')
                    throw new FormatException($"label value not quoted in {where()}");
                i++;
                var value = new System.Text.StringBuilder();
                while (true)
                {
                    if (i >= line.Length)
                        throw new FormatException($"unterminated label value in {where()}");
                    char c = line[i++];
                    if (c == '"')
                        break;
                    if (c == '\\')
                    {
                        char e = i < line.Length ? line[i++] : ' ';
                        value.Append(e switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"bad escape \\{e} in {where()}"),
                        });
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                if (!labels.TryAdd(label, value.ToString()))
                    throw new FormatException($"label {label} twice in {where()}");
                if (i < line.Length && line[i] == ',')
                    i++;
                else if (i >= line.Length || line[i] != '}')
                    throw new FormatException($"expected ',' or '}}' in {where()}");
            }
        }

        if (i >= line.Length || line[i] != ' ')
            throw new FormatException($"no space before the value in {where()}");
        string[] rest = line[(i + 1)..].Split(' ');
        if (rest.Length is < 1 or > 2 || !TryValue(rest[0], out double v))
            throw new FormatException($"bad value in {where()}");
        if (rest.Length == 2 && !long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            throw new FormatException($"bad timestamp in {where()}");
        return new Sample(name, labels, v);
    }

    private static bool TryValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            case "NaN":
                value = double.NaN;
                return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && text.Trim() == text;
    }

    private static void CheckHistograms(List<Sample> samples, Dictionary<string, string> types)
    {
        foreach (var (family, type) in types)
        {
            if (type != "histogram")
                continue;
            var byWorker = samples.Where(s => s.Name == family + "_bucket")
                .GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)));
            bool any = false;
            foreach (var group in byWorker)
            {
                any = true;
                double lastLe = double.NegativeInfinity, lastCount = 0;
                foreach (Sample b in group)
                {
                    if (!b.Labels.TryGetValue("le", out string? le) || !TryValue(le, out double bound))
                        throw new FormatException($"{family} bucket without a numeric le: {b.Series}");
                    if (bound <= lastLe)
                        throw new FormatException($"{family} le not rising at {b.Series}");
                    if (b.Value < lastCount)
                        throw new FormatException($"{family} bucket count falls at {b.Series}");
                    lastLe = bound;
                    lastCount = b.Value;
                }

                if (!double.IsPositiveInfinity(lastLe))
                    throw new FormatException($"{family}{{{group.Key}}} has no +Inf bucket");
                Sample count = samples.Single(s => s.Name == family + "_count" && Key(s) == group.Key);
                if (count.Value != lastCount)
                    throw new FormatException($"{family}{{{group.Key}}}: _count {count.Value} != +Inf bucket {lastCount}");
                _ = samples.Single(s => s.Name == family + "_sum" && Key(s) == group.Key);
            }

            if (!any)
                throw new FormatException($"histogram {family} has no buckets");
        }
    }

    private static string Key(Sample s) =>
        string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value));
}
