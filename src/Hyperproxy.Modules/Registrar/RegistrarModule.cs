using Hyperproxy.Location;
using Hyperproxy.Location.Faster;
using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Registrar;

/// <summary>
/// The registrar module (OpenSIPS <c>modules/registrar</c> with usrloc behind it, spec §4–§5): save()
/// answers REGISTER (RFC 3261 §10.3, Path of RFC 3327), lookup() routes to the registered contacts with
/// their Path as a pre-loaded Route set, plus is_registered, is_contact_registered, is_ip_registered and
/// remove. Bindings live in an <see cref="ILocationStore"/> (one session per worker). One instance per
/// loaded script; read-only for the workers once configured.
/// </summary>
public sealed partial class RegistrarModule
{
    public const string Name = "registrar";
    public const string UsrlocName = "usrloc";

    private readonly object _storeLock = new();
    private ILocationStore? _store;
    private int _receivedAvpSlot = -1;

    public int DefaultExpires { get; private set; } = 3600;
    public int MinExpires { get; private set; } = 60;
    public int MaxExpires { get; private set; }

    /// <summary>q in thousandths; -1 = unspecified.</summary>
    public short DefaultQ { get; private set; } = -1;
    public bool CaseSensitive { get; private set; } = true;
    public string RealmPrefix { get; private set; } = string.Empty;
    public byte[] ReceivedParam { get; private set; } = "received"u8.ToArray();

    /// <summary>
    /// <c>received_avp</c>: the name of the AVP (<c>$avp(name)</c>) whose value save() stores as a binding's
    /// received when the Contact has no received of its own and path-received gave none (spec §4.3 step 8),
    /// e.g. <c>$avp(rcv) = "sip:" + $si + ":" + $sp</c> in place of nathelper's fix_nated_register(); lookup()
    /// then sends to it. Null when not set.
    /// </summary>
    public string? ReceivedAvp { get; private set; }

    public int MaxContacts { get; private set; }
    public int RetryAfter { get; private set; }
    public bool AllowDupCSeq { get; private set; } = true;
    public int MaxUsernameLength { get; private set; } = 64;
    public int MaxDomainLength { get; private set; } = 64;
    public int MaxAorLength { get; private set; } = 256;
    public int MaxContactLength { get; private set; } = 255;

    /// <summary>usrloc <c>use_domain</c>: the AoR is <c>user@domain</c> rather than <c>user</c>.</summary>
    public bool UseDomain { get; private set; }

    /// <summary>usrloc <c>cseq_delay</c> (20 s): an equal CSeq within it is a retransmission.</summary>
    public int CSeqDelay { get; private set; } = 20;

    /// <summary>usrloc <c>matching_mode</c>: 0 contact URI, 1 contact URI + Call-ID.</summary>
    public int MatchingMode { get; private set; }

    /// <summary>usrloc <c>durability</c> modparam (none|checkpoint|sync), null when not set; <c>--durability</c> wins.</summary>
    public Durability? ConfiguredDurability { get; private set; }

    /// <summary>usrloc <c>checkpoint_wal_size</c> modparam in bytes (<see cref="LocationStoreOptions.CheckpointWalBytes"/>),
    /// null when not set; <c>--checkpoint-wal-size</c> wins.</summary>
    public long? ConfiguredCheckpointWalBytes { get; private set; }

    /// <summary>Unix time for expiry (tests substitute a manual clock).</summary>
    public LocationClock Clock { get; set; } = LocationClock.System;

    /// <summary>The location table. Attach one with <see cref="UseStore"/>; otherwise an in-memory store is created on first use.</summary>
    public ILocationStore Store => _store ?? CreateDefaultStore();

    public bool HasStore => _store is not null;

    /// <summary>Attaches the server's store (before workers start).</summary>
    public void UseStore(ILocationStore store) => _store = store;

    public static ModuleDeclaration Declaration() => new(Name,
    [
        Function("save", 1, RouteTypes.Request | RouteTypes.OnReply, Param("domain", ParameterKind.String),
            Param("flags", ParameterKind.String, SaveFlagsFixup), Param("aor", ParameterKind.Format)),
        Function("lookup", 1, RouteTypes.Request | RouteTypes.Failure, Param("domain", ParameterKind.String),
            Param("flags", ParameterKind.String, LookupFlagsFixup), Param("aor", ParameterKind.Format)),
        Function("is_registered", 1, RouteTypes.Request, Param("domain", ParameterKind.String), Param("aor", ParameterKind.Format)),
        Function("is_contact_registered", 1, RouteTypes.Request, Param("domain", ParameterKind.String), Param("aor", ParameterKind.Format),
            Param("contact", ParameterKind.Format), Param("callid", ParameterKind.Format)),
        Function("is_ip_registered", 3, RouteTypes.Request, Param("domain", ParameterKind.String), Param("aor", ParameterKind.Format),
            Param("ip", ParameterKind.Format), Param("port", ParameterKind.Format)),
        Function("remove", 2, RouteTypes.Request | RouteTypes.Failure, Param("domain", ParameterKind.String), Param("aor", ParameterKind.Format),
            Param("contact", ParameterKind.Format), Param("next_hop", ParameterKind.Format), Param("sip_instance", ParameterKind.Format),
            Param("bflag", ParameterKind.Format)),
    ],
    [
        Int("default_expires", 3600), Int("min_expires", 60), Int("max_expires", 0), Int("default_q", -1),
        Int("case_sensitive", 1), String("tcp_persistent_flag", null), String("realm_prefix", string.Empty),
        String("received_avp", null), String("received_param", "received"), Int("max_contacts", 0),
        Int("retry_after", 0), String("sock_hdr_name", null), Int("allow_dup_cseq", 1),
        Int("expires_max_deviation", 0), String("gruu_secret", "0p3nS1pS"), Int("disable_gruu", 1),
        Int("max_username_len", 64), Int("max_domain_len", 64), Int("max_aor_len", 256), Int("max_contact_len", 255),
    ]);

    /// <summary>usrloc's declaration: its modparams (the table itself is <see cref="Store"/>).</summary>
    public static ModuleDeclaration UsrlocDeclaration() => new(UsrlocName, [],
    [
        String("nat_bflag", null), String("working_mode_preset", null), Int("db_mode", 0), Int("use_domain", 0),
        Int("timer_interval", 60), Int("hash_size", 9), String("db_url", null), Int("cseq_delay", 20),
        Int("matching_mode", 0), Int("desc_time_order", 0), String("durability", null), String("checkpoint_wal_size", null),
    ]);

    /// <summary>Reads the registrar and usrloc modparams of a loaded script; bad values stop start-up.</summary>
    public void Configure(ScriptProgram program)
    {
        DefaultExpires = IntParam(program, Name, "default_expires", 3600);
        MinExpires = IntParam(program, Name, "min_expires", 60);
        MaxExpires = IntParam(program, Name, "max_expires", 0);
        int q = IntParam(program, Name, "default_q", -1);
        DefaultQ = (short)(q < 0 ? -1 : Math.Min(q, 1000));
        CaseSensitive = IntParam(program, Name, "case_sensitive", 1) != 0;
        RealmPrefix = program.GetModuleParameter(Name, "realm_prefix") as string ?? string.Empty;
        ReceivedParam = System.Text.Encoding.ASCII.GetBytes(program.GetModuleParameter(Name, "received_param") as string ?? "received");
        ReceivedAvp = null;
        _receivedAvpSlot = -1;
        if (program.GetModuleParameter(Name, "received_avp") is string avp && avp.Length > 0)
        {
            ReceivedAvp = ParseAvpName(avp)
                ?? throw ModuleParameterException.For(program, Name, "received_avp", $"'{avp}' is not an AVP; use \"$avp(name)\"");
        }
        MaxContacts = IntParam(program, Name, "max_contacts", 0);
        RetryAfter = IntParam(program, Name, "retry_after", 0);
        AllowDupCSeq = IntParam(program, Name, "allow_dup_cseq", 1) != 0;
        MaxUsernameLength = IntParam(program, Name, "max_username_len", 64);
        MaxDomainLength = IntParam(program, Name, "max_domain_len", 64);
        MaxAorLength = IntParam(program, Name, "max_aor_len", 256);
        MaxContactLength = IntParam(program, Name, "max_contact_len", 255);
        UseDomain = IntParam(program, UsrlocName, "use_domain", 0) != 0;
        CSeqDelay = IntParam(program, UsrlocName, "cseq_delay", 20);
        MatchingMode = IntParam(program, UsrlocName, "matching_mode", 0);
        ConfiguredDurability = program.GetModuleParameter(UsrlocName, "durability") is string d
            ? ParseDurability(d) ?? throw ModuleParameterException.For(program, UsrlocName, "durability", $"'{d}' is not a mode; use none, checkpoint or sync")
            : null;
        ConfiguredCheckpointWalBytes = null;
        if (program.GetModuleParameter(UsrlocName, "checkpoint_wal_size") is string walSize)
        {
            ConfiguredCheckpointWalBytes = LocationStoreOptions.TryParseCheckpointWalBytes(walSize, out long walBytes, out string walError)
                ? walBytes
                : throw ModuleParameterException.For(program, UsrlocName, "checkpoint_wal_size", walError);
        }
        NormaliseExpires();
    }

    /// <summary>
    /// Takes what only the compiled script knows: the runtime slot of the <c>received_avp</c> AVP. When the
    /// script never names that AVP nothing can set it, and save() stores no received from it.
    /// </summary>
    public void Bind(CompiledScript script) => _receivedAvpSlot = ReceivedAvp is null ? -1 : script.AvpSlot(ReceivedAvp);

    /// <summary><c>$avp(name)</c> to <c>name</c> (letters, digits, <c>_</c>); null when the text is not that.</summary>
    public static string? ParseAvpName(string text)
    {
        ReadOnlySpan<char> t = text.AsSpan().Trim();
        if (!t.StartsWith("$avp(", StringComparison.Ordinal) || !t.EndsWith(")", StringComparison.Ordinal))
        {
            return null;
        }

        ReadOnlySpan<char> name = t[5..^1];
        if (name.IsEmpty)
        {
            return null;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return null;
            }
        }

        return name.ToString();
    }

    /// <summary>Sets the expiry parameters directly (tests, embedding).</summary>
    public void ConfigureExpires(int defaultExpires, int minExpires, int maxExpires)
    {
        DefaultExpires = defaultExpires;
        MinExpires = minExpires;
        MaxExpires = maxExpires;
        NormaliseExpires();
    }

    public static Durability? ParseDurability(string text) => text.Trim().ToLowerInvariant() switch
    {
        "none" => Durability.None,
        "checkpoint" => Durability.Checkpoint,
        "sync" => Durability.Sync,
        _ => null,
    };

    public void RegisterFunctions(FunctionImplementations functions)
    {
        functions.Register("save", SaveFunction);
        functions.Register("lookup", LookupFunction);
        functions.Register("is_registered", IsRegisteredFunction);
        functions.Register("is_contact_registered", IsContactRegisteredFunction);
        functions.Register("is_ip_registered", IsIpRegisteredFunction);
        functions.Register("remove", RemoveFunction);
    }

    // spec §4.1: default_expires is bumped into [min, max]; max below min is raised to min.
    private void NormaliseExpires()
    {
        if (MaxExpires != 0 && MaxExpires < MinExpires)
        {
            MaxExpires = MinExpires;
        }

        if (MinExpires != 0 && DefaultExpires < MinExpires)
        {
            DefaultExpires = MinExpires;
        }

        if (MaxExpires != 0 && DefaultExpires > MaxExpires)
        {
            DefaultExpires = MaxExpires;
        }
    }

    private RegistrarState State(ScriptContext context)
    {
        RegistrarState s = context.ModuleState<RegistrarState>();
        s.Module = this;
        return s;
    }

    private ILocationStore CreateDefaultStore()
    {
        lock (_storeLock)
        {
            return _store ??= new FasterLocationStore(new LocationStoreOptions { ExpectedAors = 4096 });
        }
    }

    private static int IntParam(ScriptProgram program, string module, string name, int fallback) =>
        program.GetModuleParameter(module, name) is int v ? v : fallback;

    private static readonly ParameterFixup SaveFlagsFixup = c =>
        SaveFlags.TryParse(c.ToString(), out SaveFlags flags, out string error) ? FixupResult.Ok(flags) : FixupResult.Fail(error);

    private static readonly ParameterFixup LookupFlagsFixup = c =>
        LookupFlags.TryParse(c.ToString(), out LookupFlags flags, out string error) ? FixupResult.Ok(flags) : FixupResult.Fail(error);
}
