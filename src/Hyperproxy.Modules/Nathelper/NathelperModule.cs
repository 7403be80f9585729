using Hyperproxy.Modules.Registrar;
using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Script.Statistics;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Nathelper;

/// <summary>
/// The nathelper module (OpenSIPS <c>modules/nathelper</c>, spec §1): NAT detection (nat_uac_test), the fixes
/// of what NAT breaks (fix_nated_contact, fix_nated_register, add_rcv_param, fix_nated_sdp), Kamailio's
/// is_rfc1918, and keep-alive pings to the contacts of the location table (<see cref="NatPinger"/>).
/// One instance per loaded script; read-only for the workers once configured.
/// </summary>
public sealed partial class NathelperModule
{
    public const string Name = "nathelper";

    private readonly RegistrarModule _registrar;
    private int _receivedAvpSlot = -1;
    private string? _sippingBflagName;
    private string? _removeBflagName;
    private bool _oldIpSkipC;
    private bool _oldIpSkipO;
    private byte[] _noRtpproxy = "a=nortpproxy:yes"u8.ToArray();
    private int[] _ignoredCodes = [];

    public NathelperModule(RegistrarModule registrar)
    {
        _registrar = registrar;
        Exports = new ModuleDeclaration(Name,
        [
            Function("nat_uac_test", 1, RouteTypes.Request | RouteTypes.OnReply | RouteTypes.Branch | RouteTypes.Failure,
                (c, a) => NatUacTest(c, a.Fixed(0) is NatTest t ? t : NatTest.None) ? ScriptResult.True : ScriptResult.False,
                Param("flags", ParameterKind.String, TestsFixup)),
            Function("fix_nated_contact", 0, RouteTypes.Request | RouteTypes.OnReply | RouteTypes.Branch,
                (c, a) => FixNatedContact(c, a.Count > 0 ? a.Bytes(c, 0) : default), Param("uri_params", ParameterKind.Format)),
            Function("fix_nated_register", 0, RouteTypes.Request, (c, _) => FixNatedRegister(c)),
            Function("add_rcv_param", 0, RouteTypes.Request,
                (c, a) => AddRcvParam(c, a.Count > 0 && a.TryInt(c, 0, out int flag) && flag > 0), Param("flag", ParameterKind.Int)),
            Function("fix_nated_sdp", 1, RouteTypes.Request | RouteTypes.OnReply | RouteTypes.Branch | RouteTypes.Failure,
                (c, a) => FixNatedSdp(c, a.Fixed(0) is SdpFix f ? f : SdpFix.None, a.Count > 1 ? a.Bytes(c, 1) : default),
                Param("flags", ParameterKind.String, SdpFixup), Param("ip_address", ParameterKind.Format)),
            Function("is_rfc1918", 1, RouteTypes.All, IsRfc1918, Param("ip_address", ParameterKind.Format)),
        ],
        [
            Int("natping_interval", 0, v => NatpingInterval = v, v => v is >= 0 and <= 86400 ? null : $"{v} is out of range (0..86400 seconds)"),
            Int("ping_nated_only", 0, v => PingNatedOnly = v != 0),
            OnlyDefault("natping_partitions", 1,
                "Hyperproxy spreads every ping round evenly over natping_interval (10 ms steps); there are no partitions to set"),
            Unsupported("natping_socket", null,
                "raw-socket pings with a spoofed source are not done; pings leave from the socket the contact registered on"),
            Unsupported("force_socket", null,
                "every binding keeps the socket its REGISTER arrived on and its pings leave from it; there is no socket to force"),
            String("sipping_bflag", null, v => _sippingBflagName = v),
            String("sipping_from", null, v => SippingFromBytes = v is null ? [] : System.Text.Encoding.ASCII.GetBytes(v),
                v => v is null || (v.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) || v.StartsWith("sips:", StringComparison.OrdinalIgnoreCase))
                    ? null : $"'{v}' is not a SIP URI"),
            String("sipping_method", "OPTIONS", v => SippingMethodBytes = System.Text.Encoding.ASCII.GetBytes(v ?? "OPTIONS"),
                v => v is not null && v.Length > 0 && Hyperproxy.Sip.SipText.IsToken(System.Text.Encoding.ASCII.GetBytes(v)) ? null : $"'{v}' is not a method name"),
            OnlyDefault("natping_tcp", 0, "Hyperproxy pings UDP contacts only; TCP/TLS/WS contacts are kept alive by their connections"),
            String("remove_on_timeout_bflag", null, v => _removeBflagName = v),
            Int("ping_threshold", 3, v => PingThreshold = v, v => v is >= 1 and <= 3600 ? null : $"{v} is out of range (1..3600 seconds)"),
            Int("max_pings_lost", 3, v => MaxPingsLost = v, v => v is >= 1 and <= 1000 ? null : $"{v} is out of range (1..1000)"),
            Unsupported("sipping_latency_flag", null, "Hyperproxy raises no latency events for pings"),
            String("sipping_ignore_rpl_codes", null, v => _ignoredCodes = ParseCodes(v) ?? [], v => v is null || ParseCodes(v) is not null ? null : $"'{v}' is not a list of reply codes"),
            OnlyDefault("cluster_id", 0, "Hyperproxy has no clusterer; every node pings the contacts of its own location table"),
            Unsupported("cluster_sharing_tag", null, "Hyperproxy has no clusterer; every node pings the contacts of its own location table"),
            String("received_avp", null, v => ReceivedAvp = string.IsNullOrEmpty(v) ? null : RegistrarModule.ParseAvpName(v),
                v => string.IsNullOrEmpty(v) || RegistrarModule.ParseAvpName(v) is not null ? null : $"'{v}' is not an AVP; use \"$avp(name)\""),
            String("nortpproxy_str", "a=nortpproxy:yes", v => _noRtpproxy = System.Text.Encoding.ASCII.GetBytes(v ?? string.Empty)),
            String("oldip_skip", null, v =>
            {
                _oldIpSkipC = v is not null && v.Contains('c', StringComparison.OrdinalIgnoreCase);
                _oldIpSkipO = v is not null && v.Contains('o', StringComparison.OrdinalIgnoreCase);
            }, v => v is null || v.Trim().Trim('c', 'C', 'o', 'O').Length == 0 ? null : $"'{v}' names no line; use \"c\", \"o\" or \"co\""),
        ])
        {
            MiCommands = MiCommands(),
            Statistics =
            [
                Statistic.Gauge("natping_rounds", () => Pinger?.Stats.Rounds ?? 0),
                Statistic.Gauge("natping_sip_pings", () => Pinger?.Stats.SipPings ?? 0),
                Statistic.Gauge("natping_udp_pings", () => Pinger?.Stats.UdpPings ?? 0),
                Statistic.Gauge("natping_answered", () => Pinger is null ? 0 : Interlocked.Read(ref Pinger.Stats.Answered)),
                Statistic.Gauge("natping_lost", () => Pinger?.Stats.Lost ?? 0),
                Statistic.Gauge("natping_removed", () => Pinger?.Stats.Removed ?? 0),
            ],
        };
        ModuleTable.ApplyDefaults(Exports);
    }

    /// <summary>The export table: functions and modparams (the only place either is declared).</summary>
    public ModuleDeclaration Exports { get; }

    public int NatpingInterval { get; private set; }

    public bool PingNatedOnly { get; private set; }

    public int PingThreshold { get; private set; }

    public int MaxPingsLost { get; private set; }

    public byte[] SippingFromBytes { get; private set; } = [];

    public byte[] SippingMethodBytes { get; private set; } = "OPTIONS"u8.ToArray();

    /// <summary><c>received_avp</c>: where fix_nated_register() puts the source URI (the registrar's received_avp).</summary>
    public string? ReceivedAvp { get; private set; }

    /// <summary>The branch flag bit of <c>sipping_bflag</c>, -1 when unset.</summary>
    public int SippingBflag { get; private set; } = -1;

    /// <summary>The branch flag bit of <c>remove_on_timeout_bflag</c>, -1 when unset.</summary>
    public int RemoveOnTimeoutBflag { get; private set; } = -1;

    /// <summary>usrloc's <c>nat_bflag</c> bit (contacts ping_nated_only pings besides those saved with a NAT'ed received).</summary>
    public int NatBflag => _registrar.NatBflag;

    /// <summary>The running pinger (set by the server when natping_interval &gt; 0).</summary>
    public NatPinger? Pinger { get; set; }

    /// <summary>Where the pinger logs (set by the server).</summary>
    public Action<string>? Log { get; set; }

    /// <summary>True when a ping reply with this code must not count as an answer (<c>sipping_ignore_rpl_codes</c>).</summary>
    public bool IgnoresReplyCode(int code)
    {
        foreach (int c in _ignoredCodes)
        {
            if (c == code)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Branch flag names resolved against the script (a name the script never sets is an error), then checks across parameters.</summary>
    public void ResolveFlags(ScriptProgram program)
    {
        SippingBflag = ResolveBranchFlag(program, Name, "sipping_bflag", _sippingBflagName);
        RemoveOnTimeoutBflag = ResolveBranchFlag(program, Name, "remove_on_timeout_bflag", _removeBflagName);
        if (program.IsModuleLoaded(Name) && SippingBflag >= 0 && SippingFromBytes.Length == 0)
        {
            throw ModuleParameterException.For(program, Name, "sipping_bflag", "SIP pings need modparam(\"nathelper\", \"sipping_from\", \"sip:pinger@DOMAIN\")");
        }

        if (program.IsModuleLoaded(Name) && NatpingInterval > 0 && !program.IsModuleLoaded(RegistrarModule.UsrlocName) && !program.IsModuleLoaded(RegistrarModule.Name))
        {
            throw ModuleParameterException.For(program, Name, "natping_interval", "pinging walks the location table; loadmodule \"usrloc.so\"");
        }
    }

    /// <summary>A branch flag modparam: a bit number, or a name the script uses with setbflag(); -1 when unset.</summary>
    internal static int ResolveBranchFlag(ScriptProgram program, string module, string parameter, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return -1;
        }

        string t = text.Trim();
        if (int.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int bit))
        {
            return bit is >= 0 and < 32 ? bit : throw ModuleParameterException.For(program, module, parameter, $"branch flag {bit} is out of range (0..31)");
        }

        if (program.BranchFlags.TryGetValue(t, out bit))
        {
            return bit;
        }

        // OpenSIPS allocates a flag on the first use of its name, a modparam's included: a name the script never
        // sets gets a bit of its own (the same one for every modparam that names it), and nothing ever carries it.
        Dictionary<string, int> extra = s_extraFlags.GetOrCreateValue(program);
        lock (extra)
        {
            if (extra.TryGetValue(t, out bit))
            {
                return bit;
            }

            for (bit = 0; bit < 32; bit++)
            {
                if (!program.BranchFlags.Values.Contains(bit) && !extra.ContainsValue(bit))
                {
                    extra[t] = bit;
                    return bit;
                }
            }
        }

        throw ModuleParameterException.For(program, module, parameter, $"no branch flag is left for '{t}' (32 in use)");
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ScriptProgram, Dictionary<string, int>> s_extraFlags = new();

    /// <summary>Takes the runtime slot of <c>received_avp</c> (nothing can set an AVP the script never names).</summary>
    public void Bind(CompiledScript script) => _receivedAvpSlot = ReceivedAvp is null ? -1 : script.AvpSlot(ReceivedAvp);

    private static int[]? ParseCodes(string? text)
    {
        if (text is null)
        {
            return [];
        }

        var codes = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int code) || code is < 100 or > 699)
            {
                return null;
            }

            codes.Add(code);
        }

        return [.. codes];
    }

    private static readonly ParameterFixup TestsFixup = c =>
        NatFlags.TryParseTests(c.ToString(), out NatTest tests, out string error) ? FixupResult.Ok(tests) : FixupResult.Fail(error);

    private static readonly ParameterFixup SdpFixup = c =>
        NatFlags.TryParseSdp(c.ToString(), out SdpFix fixes, out string error) ? FixupResult.Ok(fixes) : FixupResult.Fail(error);
}
