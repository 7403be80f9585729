using System.Globalization;
using System.Text;

namespace Hyperproxy.Transport;

/// <summary>
/// CPU lists as <c>--cpus</c> and the kernel write them ("0,2-3"): parsing with operator-facing
/// errors, formatting, and the assignment of workers to CPUs.
/// </summary>
public static class CpuList
{
    /// <summary>The kernel's cpu_set_t holds 1024 CPUs.</summary>
    public const int MaxCpu = 1023;

    /// <summary>Parses "0,2-3" into ascending CPU numbers; throws <see cref="TransportException"/>.</summary>
    public static int[] Parse(string text)
    {
        if (!TryParse(text, out int[]? cpus, out string? error))
            throw new TransportException(error);
        return cpus;
    }

    /// <summary>Parses "0,2-3"; on failure <paramref name="error"/> says which part is wrong and why.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out int[]? cpus,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        cpus = null;
        error = null;
        string prefix = $"--cpus '{text}': ";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = prefix + "empty; expected a list such as 0,2-3";
            return false;
        }
        var seen = new bool[MaxCpu + 1];
        var list = new List<int>();
        foreach (string rawItem in text.Split(','))
        {
            string item = rawItem.Trim();
            if (item.Length == 0)
            {
                error = prefix + "empty item between commas";
                return false;
            }
            int dash = item.IndexOf('-');
            string firstText = dash < 0 ? item : item.Substring(0, dash);
            string lastText = dash < 0 ? item : item.Substring(dash + 1);
            if (!TryParseCpu(firstText, out int first) || !TryParseCpu(lastText, out int last))
            {
                // A list names the bad item; a single item is already quoted in the flag's value.
                error = prefix + (item == text.Trim() ? "not a CPU number or range (expected N, N-M or a list such as 0,2-3)"
                    : $"'{item}' is not a CPU number or range (expected N or N-M)");
                return false;
            }
            if (first > MaxCpu || last > MaxCpu)
            {
                error = prefix + $"CPU {Math.Max(first, last)} is out of range (0-{MaxCpu})";
                return false;
            }
            if (last < first)
            {
                error = prefix + $"range {item} runs backwards; write {last}-{first}";
                return false;
            }
            for (int cpu = first; cpu <= last; cpu++)
            {
                if (seen[cpu])
                {
                    error = prefix + $"CPU {cpu} is listed twice";
                    return false;
                }
                seen[cpu] = true;
                list.Add(cpu);
            }
        }
        list.Sort();
        cpus = list.ToArray();
        return true;
    }

    /// <summary>Formats ascending CPUs the way the kernel does: "0-3,6".</summary>
    public static string Format(ReadOnlySpan<int> cpus)
    {
        var text = new StringBuilder();
        int i = 0;
        while (i < cpus.Length)
        {
            int j = i;
            while (j + 1 < cpus.Length && cpus[j + 1] == cpus[j] + 1)
                j++;
            if (text.Length > 0)
                text.Append(',');
            text.Append(cpus[i].ToString(CultureInfo.InvariantCulture));
            if (j > i)
                text.Append('-').Append(cpus[j].ToString(CultureInfo.InvariantCulture));
            i = j + 1;
        }
        return text.ToString();
    }

    /// <summary>
    /// The CPU for each of <paramref name="workers"/> workers, in order. Every requested CPU must be
    /// in <paramref name="available"/>; there must be at least as many CPUs as workers. With no
    /// request, the first available CPUs are used. Throws <see cref="TransportException"/>.
    /// </summary>
    public static int[] AssignWorkers(int workers, IReadOnlyList<int>? requested, IReadOnlyList<int> available)
    {
        if (workers < 1)
            throw new TransportException($"--workers {workers}: at least one worker is needed");
        int[] availableArray = [.. available];
        string availableText = Format(availableArray);
        int[] cpus;
        if (requested is null)
        {
            cpus = availableArray;
        }
        else
        {
            cpus = [.. requested];
            foreach (int cpu in cpus)
            {
                if (Array.IndexOf(availableArray, cpu) < 0)
                    throw new TransportException($"CPU {cpu} is not present (available: {availableText})");
            }
        }
        if (workers > cpus.Length)
        {
            throw new TransportException(
                $"{workers} workers but only {cpus.Length} CPU{(cpus.Length == 1 ? "" : "s")} to pin them to "
                + $"({Format(cpus)}); lower --workers or list more CPUs in --cpus");
        }
        return cpus.AsSpan(0, workers).ToArray();
    }

    private static bool TryParseCpu(string text, out int cpu)
    {
        cpu = 0;
        if (text.Length == 0 || text.Length > 6)
            return false;
        foreach (char c in text)
        {
            if (c < '0' || c > '9')
                return false;
        }
        cpu = int.Parse(text, CultureInfo.InvariantCulture);
        return true;
    }
}
