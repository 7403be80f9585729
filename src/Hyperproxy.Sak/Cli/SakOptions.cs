namespace Hyperproxy.Sak.Cli;

/// <summary>The parsed command line of the SIPSAK-compatible modes.</summary>
public sealed class SakOptions
{
    public SakMode Mode { get; set; } = SakMode.Ping;

    /// <summary>-s: the target URI as given.</summary>
    public string? Uri { get; set; }

    /// <summary>-I: invite mode (alone, or the call step of usrloc mode instead of the MESSAGE).</summary>
    public bool Invite { get; set; }

    /// <summary>-B: MESSAGE body.</summary>
    public string? Body { get; set; }

    /// <summary>-c: From URI in message mode.</summary>
    public string? From { get; set; }

    /// <summary>-C: Contact URI in usrloc mode (instead of our own address).</summary>
    public string? Contact { get; set; }

    /// <summary>-b: first user number appended in usrloc mode (-1: none given).</summary>
    public long Begin { get; set; } = -1;

    /// <summary>-e: last user number in usrloc mode; request count in flood mode and in randtrash soak mode (-1: none given).</summary>
    public long End { get; set; } = -1;

    /// <summary>-x: Expires of REGISTER (SIPSAK's default 15).</summary>
    public int Expires { get; set; } = 15;

    /// <summary>-o: sleep in ms between usrloc cycles.</summary>
    public int SleepMs { get; set; }

    /// <summary>-t: the most trashed characters in randtrash mode (0: the request length).</summary>
    public int TrashChars { get; set; }

    /// <summary>-p: outbound proxy host[:port].</summary>
    public string? OutboundProxy { get; set; }

    /// <summary>-l: local port (0: any).</summary>
    public int LocalPort { get; set; }

    /// <summary>-r: remote port (0: from the URI or 5060).</summary>
    public int RemotePort { get; set; }

    /// <summary>-H: host name written into our headers instead of the local address.</summary>
    public string? Hostname { get; set; }

    /// <summary>-k / --local-ip: local address to bind.</summary>
    public string? LocalIp { get; set; }

    /// <summary>-v count.</summary>
    public int Verbosity { get; set; }

    /// <summary>-a: digest password.</summary>
    public string? Password { get; set; }

    /// <summary>-u: digest user name (default: the URI user).</summary>
    public string? AuthUser { get; set; }

    /// <summary>-N: Nagios output and exit codes.</summary>
    public bool Nagios { get; set; }

    /// <summary>-W: Nagios warning when retransmissions exceed this (-1: never).</summary>
    public int NagiosWarn { get; set; } = -1;

    /// <summary>--rtt-warning: with -N, WARNING when the round-trip time of the answer exceeds this many ms (-1: never).</summary>
    public long RttWarningMs { get; set; } = -1;

    /// <summary>--rtt-critical: with -N, CRITICAL when the round-trip time exceeds this many ms (-1: never).</summary>
    public long RttCriticalMs { get; set; } = -1;

    /// <summary>-m: Max-Forwards (-1: 70; in traceroute the hop bound).</summary>
    public int MaxForwards { get; set; } = -1;

    /// <summary>-Z: SIP timer T1 in ms.</summary>
    public int TimerT1Ms { get; set; } = 500;

    /// <summary>-D: timeout factor (the transaction gives up after T1 * factor).</summary>
    public int TimeoutFactor { get; set; } = 64;

    /// <summary>-j: extra header lines ("\n" separated).</summary>
    public string? ExtraHeaders { get; set; }

    /// <summary>-O: Content-Disposition of MESSAGE.</summary>
    public string? Disposition { get; set; }

    /// <summary>-i: no Via of ours in requests (replies then cannot find their way back, as sipsak warns).</summary>
    public bool NoVia { get; set; }

    /// <summary>-n: this machine's fully qualified name instead of its address in our Via (sipsak 0.9.8).</summary>
    public bool FqdnInVia { get; set; }

    /// <summary>--route: pre-loaded Route set, in order.</summary>
    public List<string> Routes { get; } = [];

    /// <summary>--path: Path header on REGISTER (acting as an edge proxy).</summary>
    public List<string> Paths { get; } = [];

    /// <summary>--seed: random seed of randtrash (0: from the clock).</summary>
    public int Seed { get; set; }

    /// <summary>--hops: traceroute hop bound when -m is not given.</summary>
    public int HopBound { get; set; } = 70;
}
