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
    private readonly Script.Statistics.Statistic _acceptedRegs = Script.Statistics.Statistic.Counter("accepted_regs");
    private readonly Script.Statistics.Statistic _rejectedRegs = Script.Statistics.Statistic.Counter("rejected_regs");

    /// <summary>The workers' durable-reply figures, for usrloc's parked_reply_* statistics (set by the server).</summary>
    public IReadOnlyList<DurableReplyStats>? DurableReplies { get; set; }
    private int _receivedAvpSlot = -1;

    public int DefaultExpires { get; private set; }
    public int MinExpires { get; private set; }
    public int MaxExpires { get; private set; }

    /// <summary>q in thousandths; -1 = unspecified.</summary>
    public short DefaultQ { get; private set; }
    public bool CaseSensitive { get; private set; }
    public string RealmPrefix { get; private set; } = string.Empty;
    public byte[] ReceivedParam { get; private set; } = [];

    /// <summary>
    /// <c>received_avp</c>: the name of the AVP (<c>$avp(name)</c>) whose value save() stores as a binding's
    /// received when the Contact has no received of its own and path-received gave none (spec §4.3 step 8),
    /// e.g. <c>$avp(rcv) = "sip:" + $si + ":" + $sp</c> in place of nathelper's fix_nated_register(); lookup()
    /// then sends to it. Null when not set.
    /// </summary>
    public string? ReceivedAvp { get; private set; }

    /// <summary>
    /// <c>expires_max_deviation</c>: each non-zero expires save() grants moves by a random amount in
    /// [-deviation, +deviation] seconds before min/max_expires apply, so re-registrations spread out.
    /// </summary>
    public int ExpiresMaxDeviation { get; private set; }

    public int MaxContacts { get; private set; }

    /// <summary>
    /// <c>outbound_mode</c> (Kamailio registrar's name; OpenSIPS has no outbound): 0 reg-id is ignored; 1 RFC 5626
    /// outbound when the REGISTER has Supported: outbound and a reg-id (bindings keyed by instance and reg-id, 439 when
    /// the first hop lacks outbound, Require: outbound in the 2xx); 2 as 1, and a REGISTER without outbound support gets 421.
    /// </summary>
    public int OutboundMode { get; private set; }

    /// <summary><c>flow_timer</c>: the Flow-Timer (seconds) of an outbound registration's 2xx; 0 = none.</summary>
    public int FlowTimer { get; private set; }

    /// <summary>usrloc <c>nat_bflag</c> as written (a branch flag name or number), null when not set.</summary>
    public string? NatBflagName { get; private set; }

    /// <summary>
    /// usrloc <c>nat_bflag</c>'s bit, -1 when unset: save() marks a binding NAT'ed when the REGISTER carries it
    /// (the binding's branch flags keep it, so lookup() sets it again); nathelper's ping_nated_only pings those.
    /// </summary>
    public int NatBflag { get; private set; } = -1;

    /// <summary>Resolves <c>nat_bflag</c> against the script's branch flags (a name the script never sets is an error).</summary>
    public void ResolveFlags(Script.Binding.ScriptProgram program) =>
        NatBflag = Nathelper.NathelperModule.ResolveBranchFlag(program, UsrlocName, "nat_bflag", NatBflagName);
    public int RetryAfter { get; private set; }
    public bool AllowDupCSeq { get; private set; }
    public int MaxUsernameLength { get; private set; }
    public int MaxDomainLength { get; private set; }
    public int MaxAorLength { get; private set; }
    public int MaxContactLength { get; private set; }

    /// <summary>usrloc <c>use_domain</c>: the AoR is <c>user@domain</c> rather than <c>user</c>.</summary>
    public bool UseDomain { get; private set; }

    /// <summary>usrloc <c>cseq_delay</c>: an equal CSeq within it is a retransmission.</summary>
    public int CSeqDelay { get; private set; }

    /// <summary>usrloc <c>matching_mode</c>: 0 contact URI, 1 contact URI + Call-ID.</summary>
    public int MatchingMode { get; private set; }

    /// <summary>usrloc <c>timer_interval</c>: seconds between purges of expired bindings (<see cref="LocationStoreOptions.PurgeInterval"/>).</summary>
    public int TimerInterval { get; private set; }

    /// <summary>usrloc <c>hash_size</c>: the location index is sized for at least 2^hash_size AoRs (<see cref="LocationStoreOptions.ExpectedAors"/>).</summary>
    public int HashSize { get; private set; }

    /// <summary>The AoRs to size the location index for: <paramref name="atLeast"/>, or 2^hash_size when that is more.</summary>
    public long ExpectedAors(long atLeast) => Math.Max(atLeast, 1L << HashSize);

    /// <summary><c>timer_interval</c> as the store's purge cadence.</summary>
    public TimeSpan PurgeInterval => TimeSpan.FromSeconds(TimerInterval);

    /// <summary>usrloc <c>durability</c> modparam (none|checkpoint|sync), null when not set; <c>--durability</c> wins.</summary>
    public Durability? ConfiguredDurability { get; private set; }

    /// <summary>usrloc <c>checkpoint_wal_size</c> modparam in bytes (<see cref="LocationStoreOptions.CheckpointWalBytes"/>),
    /// null when not set; <c>--checkpoint-wal-size</c> wins.</summary>
    public long? ConfiguredCheckpointWalBytes { get; private set; }

    /// <summary>usrloc <c>cluster_mode</c> value for a table shared through a cachedb server.</summary>
    public const string FullSharingCachedb = "full-sharing-cachedb";

    /// <summary>usrloc <c>cluster_mode</c>: "none" (the embedded store) or <see cref="FullSharingCachedb"/>.</summary>
    public string ClusterMode { get; private set; } = "none";

    /// <summary>usrloc <c>cachedb_url</c> (a cachedb_redis URL), null when not set.</summary>
    public string? CachedbUrl { get; private set; }

    /// <summary>Retry-After (seconds) of the 500 that answers a REGISTER when a shared store cannot be reached and
    /// <c>retry_after</c> is 0: a node must not let UAs re-register at once into a store that is down.</summary>
    public int StoreRetryAfter { get; set; }

    /// <summary>The <see cref="StoreRetryAfter"/> a Redis-backed server uses: 5 s.</summary>
    public const int DefaultStoreRetryAfter = 5;

    /// <summary>Unix time for expiry (tests substitute a manual clock).</summary>
    public LocationClock Clock { get; set; } = LocationClock.System;

    /// <summary>The location table. Attach one with <see cref="UseStore"/>; otherwise an in-memory store is created on first use.</summary>
    public ILocationStore Store => _store ?? CreateDefaultStore();

    public bool HasStore => _store is not null;

    /// <summary>Attaches the server's store (before workers start).</summary>
    public void UseStore(ILocationStore store) => _store = store;

    public RegistrarModule()
    {
        Exports = CreateExports();
        UsrlocExports = CreateUsrlocExports();
        ModuleTable.ApplyDefaults(Exports);
        ModuleTable.ApplyDefaults(UsrlocExports);
        NormaliseExpires();
    }

    /// <summary>registrar's export table (<c>RegistrarModule.Exports.cs</c>).</summary>
    public ModuleDeclaration Exports { get; }

    /// <summary>usrloc's export table: its modparams (the table itself is <see cref="Store"/>).</summary>
    public ModuleDeclaration UsrlocExports { get; }

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

    public static Durability? ParseDurability(string text) => text.Trim().ToLowerInvariant() switch
    {
        "none" => Durability.None,
        "checkpoint" => Durability.Checkpoint,
        "sync" => Durability.Sync,
        _ => null,
    };

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
            return _store ??= new FasterLocationStore(new LocationStoreOptions { ExpectedAors = ExpectedAors(4096), PurgeInterval = PurgeInterval });
        }
    }
}
