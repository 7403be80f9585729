using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Tests;

/// <summary>One message the harness sent: its text, destination and socket.</summary>
internal sealed record Sent(string Text, NetAddress Destination, int Socket)
{
    public string StartLine => Text.Split("\r\n")[0];

    /// <summary>Every header line with this name (case-insensitive), values trimmed, in order.</summary>
    public List<string> Headers(string name)
    {
        var list = new List<string>();
        foreach (string line in Text.Split("\r\n").Skip(1))
        {
            if (line.Length == 0)
            {
                break;
            }

            int colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                list.Add(line[(colon + 1)..].Trim());
            }
        }

        return list;
    }

    /// <summary>Header names in order (to check where ours went).</summary>
    public List<string> HeaderNames()
    {
        var list = new List<string>();
        foreach (string line in Text.Split("\r\n").Skip(1))
        {
            if (line.Length == 0)
            {
                break;
            }

            list.Add(line[..line.IndexOf(':')]);
        }

        return list;
    }
}
