using System.Globalization;

namespace Hyperproxy.Sak.Cli;

/// <summary>
/// Parses SIPSAK's command line the way its getopt does: short options may be clustered
/// ("-vv", "-Tv"), an option's argument follows directly or as the next word ("-sURI",
/// "-s URI"). Long options take "--name=value" or "--name value". Anything unknown is a
/// <see cref="SakException"/> naming the word.
/// </summary>
public static class OptionParser
{
    // SIPSAK's letters that take an argument, and those that do not.
    private const string WithArgument = "aAbBcCDeEfgHjJklmoOpPqrstuWxzZ";
    private const string Flags = "dFGhiILMnNRSTUvVw";

    public static SakOptions Parse(IReadOnlyList<string> args)
    {
        var o = new SakOptions();
        bool message = false;
        bool usrloc = false;
        for (int i = 0; i < args.Count; i++)
        {
            string word = args[i];
            if (word.StartsWith("--", StringComparison.Ordinal) && word.Length > 2)
            {
                string name = SplitLong(word, out string? value);
                char letter = LongToShort(name);
                if (letter == '\0')
                {
                    ApplyLong(o, name, ref value, args, ref i);
                    continue;
                }
                if (WithArgument.Contains(letter, StringComparison.Ordinal))
                    value ??= Next(args, ref i, word);
                else if (value != null)
                    throw new SakException($"option --{name} takes no value");
                Apply(o, letter, value, ref message, ref usrloc);
                continue;
            }
            if (word.Length < 2 || word[0] != '-')
                throw new SakException($"unexpected argument '{word}' (options start with '-'; see hypersak -h)");
            for (int k = 1; k < word.Length; k++)
            {
                char c = word[k];
                if (WithArgument.Contains(c, StringComparison.Ordinal))
                {
                    string value = k + 1 < word.Length ? word[(k + 1)..] : Next(args, ref i, "-" + c);
                    Apply(o, c, value, ref message, ref usrloc);
                    break;
                }
                if (!Flags.Contains(c, StringComparison.Ordinal))
                    throw new SakException($"unknown option -{c} (see hypersak -h)");
                Apply(o, c, null, ref message, ref usrloc);
            }
        }
        if (usrloc)
            o.Mode = SakMode.Usrloc;
        else if (o.Invite && o.Mode == SakMode.Ping)
            o.Mode = SakMode.Invite;
        else if (message && o.Mode == SakMode.Ping)
            o.Mode = SakMode.Message;
        if (o.Mode is not (SakMode.Help or SakMode.Version) && string.IsNullOrEmpty(o.Uri))
            throw new SakException("missing target: give -s sip:[user@]host[:port]");
        return o;
    }

    /// <summary>"--name" or "--name=value": the name, and the value when it is written inline.</summary>
    internal static string SplitLong(string word, out string? value)
    {
        string name = word[2..];
        int eq = name.IndexOf('=', StringComparison.Ordinal);
        value = eq >= 0 ? name[(eq + 1)..] : null;
        return eq >= 0 ? name[..eq] : name;
    }

    private static string Next(IReadOnlyList<string> args, ref int i, string option)
    {
        if (i + 1 >= args.Count)
            throw new SakException($"option {option} needs a value");
        return args[++i];
    }

    private static void Apply(SakOptions o, char c, string? v, ref bool message, ref bool usrloc)
    {
        switch (c)
        {
            case 'a': o.Password = v; break;
            case 'b': o.Begin = Number(v!, "-b", 0, long.MaxValue); break;
            case 'B': o.Body = v; break;
            case 'c': o.From = v; break;
            case 'C': o.Contact = v; break;
            case 'D': o.TimeoutFactor = (int)Number(v!, "-D", 1, 1000); break;
            case 'e': o.End = Number(v!, "-e", 0, long.MaxValue); break;
            case 'E':
                if (!string.Equals(v, "udp", StringComparison.OrdinalIgnoreCase))
                    throw new SakException($"transport '{v}' is not supported (only udp)");
                break;
            case 'H': o.Hostname = v; break;
            case 'j': o.ExtraHeaders = v; break;
            case 'k': o.LocalIp = v; break;
            case 'l': o.LocalPort = (int)Number(v!, "-l", 0, 65535); break;
            case 'm': o.MaxForwards = (int)Number(v!, "-m", 0, 255); break;
            case 'o': o.SleepMs = (int)Number(v!, "-o", 0, 3_600_000); break;
            case 'O': o.Disposition = v; break;
            case 'p': o.OutboundProxy = v; break;
            case 'r': o.RemotePort = (int)Number(v!, "-r", 1, 65535); break;
            case 's': o.Uri = v; break;
            case 't': o.TrashChars = (int)Number(v!, "-t", 1, 65535); break;
            case 'u': o.AuthUser = v; break;
            case 'W': o.NagiosWarn = (int)Number(v!, "-W", 0, 1000); break;
            case 'x': o.Expires = (int)Number(v!, "-x", 0, int.MaxValue); break;
            case 'Z': o.TimerT1Ms = (int)Number(v!, "-Z", 1, 60_000); break;
            case 'F': o.Mode = SakMode.Flood; break;
            case 'I': o.Invite = true; break;
            case 'h': o.Mode = SakMode.Help; break;
            case 'V': o.Mode = SakMode.Version; break;
            case 'M': message = true; break;
            case 'N': o.Nagios = true; break;
            case 'R': o.Mode = SakMode.RandTrash; break;
            case 'T': o.Mode = SakMode.Traceroute; break;
            case 'U': usrloc = true; break;
            case 'v': o.Verbosity++; break;
            case 'i': o.NoVia = true; break;
            case 'n': o.FqdnInVia = true; break;
            case 'd' or 'S':
                break; // what hypersak always does: it never follows redirects, and sends and receives on one port
            case 'A':
                throw new SakException("option -A (repeated runs printing only timings) is not supported by hypersak; use hypersak bench for timings");
            case 'z':
                throw new SakException("option -z (removing bindings at random in usrloc mode) is not supported by hypersak");
            case 'w':
                throw new SakException("option -w (extracting the IP from a reply's Warning) is not supported by hypersak");
            case 'G' or 'L':
                throw new SakException($"option -{c} works on a request read from a file (-f), which is not supported by hypersak");
            default:
                throw new SakException($"option -{c} is not supported by hypersak");
        }
    }

    private static void ApplyLong(SakOptions o, string name, ref string? value, IReadOnlyList<string> args, ref int i)
    {
        switch (name)
        {
            case "route":
                o.Routes.Add(value ?? Next(args, ref i, "--route"));
                break;
            case "path":
                o.Paths.Add(value ?? Next(args, ref i, "--path"));
                break;
            case "seed":
                o.Seed = (int)Number(value ?? Next(args, ref i, "--seed"), "--seed", 0, int.MaxValue);
                break;
            case "hops":
                o.HopBound = (int)Number(value ?? Next(args, ref i, "--hops"), "--hops", 1, 255);
                break;
            case "rtt-warning":
                o.RttWarningMs = Number(value ?? Next(args, ref i, "--rtt-warning"), "--rtt-warning", 0, 3_600_000);
                break;
            case "rtt-critical":
                o.RttCriticalMs = Number(value ?? Next(args, ref i, "--rtt-critical"), "--rtt-critical", 0, 3_600_000);
                break;
            default:
                throw new SakException($"unknown option --{name} (see hypersak -h)");
        }
    }

    // SIPSAK's long names (sipsak --help) for the letters above.
    private static char LongToShort(string name) => name switch
    {
        "help" => 'h',
        "version" => 'V',
        "sip-uri" => 's',
        "traceroute" or "traceroute-mode" => 'T',
        "usrloc-mode" => 'U',
        "message-mode" => 'M',
        "invite-mode" => 'I',
        "contact" => 'C',
        "appendix-begin" => 'b',
        "appendix-end" => 'e',
        "sleep" => 'o',
        "expires" => 'x',
        "flood-mode" => 'F',
        "random-mode" => 'R',
        "trash-chars" => 't',
        "local-port" => 'l',
        "remote-port" => 'r',
        "outbound-proxy" => 'p',
        "hostname" => 'H',
        "max-forwards" => 'm',
        "auth-username" => 'u',
        "password" => 'a',
        "verbose" => 'v',
        "nagios-code" => 'N',
        "nagios-warn" => 'W',
        "message-body" => 'B',
        "disposition" => 'O',
        "from" => 'c',
        "timeout-factor" => 'D',
        "timer-t1" => 'Z',
        "transport" => 'E',
        "headers" => 'j',
        "local-ip" => 'k',
        "ignore-redirects" => 'd',
        "numeric" => 'n',
        "extract-ip" => 'w',
        "symmetric" => 'S',
        "no-via" => 'i',
        "timing" => 'A',
        "replace" => 'G',
        "no-crlf" => 'L',
        "remove-bindings" => 'z',
        _ => '\0',
    };

    internal static long Number(string text, string option, long min, long max)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n < min || n > max)
            throw new SakException($"option {option}: '{text}' is not a number in {min}-{max}");
        return n;
    }
}
