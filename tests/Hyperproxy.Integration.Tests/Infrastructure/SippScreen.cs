using System.Globalization;
using System.Text.RegularExpressions;

namespace Hyperproxy.Integration.Tests.Infrastructure;

/// <summary>One line of SIPp's message table: a scenario step, how many times it happened and how many retransmissions it saw.</summary>
internal sealed record SippStep(string Name, long Messages, long Retransmissions);

/// <summary>
/// The message table of SIPp's final screen (<c>-trace_screen</c>): one row per send/recv step of
/// the scenario, in scenario order, with its "Messages" and "Retrans" columns. For a send step
/// Retrans counts our own retransmissions (lost ones included); for a recv step it counts the
/// retransmissions of that message that arrived.
/// </summary>
internal static partial class SippScreen
{
    /// <summary>The steps of the last message table on <paramref name="screen"/> (pauses left out).</summary>
    public static IReadOnlyList<SippStep> Steps(string screen)
    {
        int header = screen.LastIndexOf("Messages  Retrans", StringComparison.Ordinal);
        var steps = new List<SippStep>();
        if (header < 0)
        {
            return steps;
        }

        string[] lines = screen[header..].Split('\n');
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Contains("Pause", StringComparison.Ordinal))
            {
                continue;
            }

            Match m = StepLine().Match(lines[i]);
            if (!m.Success)
            {
                break;
            }

            string name = m.Groups["a"].Success ? m.Groups["a"].Value : m.Groups["b"].Value;
            steps.Add(new SippStep(name,
                long.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture),
                long.Parse(m.Groups["r"].Value, CultureInfo.InvariantCulture)));
        }

        return steps;
    }

    /// <summary>The <paramref name="occurrence"/>-th (from 1) step named <paramref name="name"/> (a method or a status code).</summary>
    public static SippStep Step(string screen, string name, int occurrence = 1)
    {
        int seen = 0;
        foreach (SippStep s in Steps(screen))
        {
            if (s.Name == name && ++seen == occurrence)
            {
                return s;
            }
        }

        throw new InvalidOperationException($"no step {name} (#{occurrence}) on the SIPp screen:\n{screen}");
    }

    // UAC side: "INVITE ---------->  1  0 ..." / "200 <----------  E-RTD1 1  0 ...";
    // UAS side: "----------> INVITE  1  0 ..." / "<---------- 180  1  0 ...".
    [GeneratedRegex(@"^\s*(?:(?<a>[A-Z0-9]+)\s+(?:-{10}>|<-{10})|(?:-{10}>|<-{10})\s+(?<b>[A-Z0-9]+))\s+(?:E-RTD\d+\s+|B-RTD\d+\s+)?(?<n>\d+)\s+(?<r>\d+)")]
    private static partial Regex StepLine();
}
