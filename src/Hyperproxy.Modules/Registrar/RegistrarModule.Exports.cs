using Hyperproxy.Location;
using Hyperproxy.Location.Redis;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Statistics;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Registrar;

/// <summary>
/// The export tables of registrar and usrloc: every function and modparam, its default and where it
/// is stored. A value Hyperproxy cannot honour is refused at start-up with what it does instead.
/// </summary>
public sealed partial class RegistrarModule
{
    private const string StoreInstead =
        "usrloc keeps bindings in its own store, not in a database; see --durability (none|checkpoint|sync) or modparam(\"usrloc\", \"durability\", ...)";

    private ModuleDeclaration CreateExports() => new(Name,
    [
        Function("save", 1, RouteTypes.Request | RouteTypes.OnReply, SaveFunction, Param("domain", ParameterKind.String),
            Param("flags", ParameterKind.String, SaveFlagsFixup), Param("aor", ParameterKind.Format)),
        Function("lookup", 1, RouteTypes.Request | RouteTypes.Failure, LookupFunction, Param("domain", ParameterKind.String),
            Param("flags", ParameterKind.String, LookupFlagsFixup), Param("aor", ParameterKind.Format)),
        Function("is_registered", 1, RouteTypes.Request, IsRegisteredFunction, Param("domain", ParameterKind.String), Param("aor", ParameterKind.Format)),
        Function("is_contact_registered", 1, RouteTypes.Request, IsContactRegisteredFunction, Param("domain", ParameterKind.String),
            Param("aor", ParameterKind.Format), Param("contact", ParameterKind.Format), Param("callid", ParameterKind.Format)),
        Function("is_ip_registered", 3, RouteTypes.Request, IsIpRegisteredFunction, Param("domain", ParameterKind.String), Param("aor", ParameterKind.Format),
            Param("ip", ParameterKind.Format), Param("port", ParameterKind.Format)),
        Function("remove", 2, RouteTypes.Request | RouteTypes.Failure, RemoveFunction, Param("domain", ParameterKind.String), Param("aor", ParameterKind.Format),
            Param("contact", ParameterKind.Format), Param("next_hop", ParameterKind.Format), Param("sip_instance", ParameterKind.Format),
            Param("bflag", ParameterKind.Format)),
    ],
    [
        Int("default_expires", 3600, v => DefaultExpires = v, NotNegative),
        Int("min_expires", 60, v => MinExpires = v, NotNegative),
        Int("max_expires", 0, v => MaxExpires = v, NotNegative),
        Int("default_q", -1, v => DefaultQ = (short)(v < 0 ? -1 : Math.Min(v, 1000))),
        Int("case_sensitive", 1, v => CaseSensitive = v != 0),
        String("realm_prefix", string.Empty, v => RealmPrefix = v ?? string.Empty),
        String("received_avp", null, v => ReceivedAvp = string.IsNullOrEmpty(v) ? null : ParseAvpName(v),
            v => string.IsNullOrEmpty(v) || ParseAvpName(v) is not null ? null : $"'{v}' is not an AVP; use \"$avp(name)\""),
        String("received_param", "received", v => ReceivedParam = System.Text.Encoding.ASCII.GetBytes(v ?? "received")),
        Int("max_contacts", 0, v => MaxContacts = v, NotNegative),
        Int("retry_after", 0, v => RetryAfter = v, NotNegative),
        Int("allow_dup_cseq", 1, v => AllowDupCSeq = v != 0),
        Int("max_username_len", 64, v => MaxUsernameLength = v, NotNegative),
        Int("max_domain_len", 64, v => MaxDomainLength = v, NotNegative),
        Int("max_aor_len", 256, v => MaxAorLength = v, NotNegative),
        Int("max_contact_len", 255, v => MaxContactLength = v, NotNegative),
        Int("outbound_mode", 0, v => OutboundMode = v, v => v is >= 0 and <= 2 ? null
            : $"{v} is not a mode; use 0 (outbound off: reg-id ignored), 1 (RFC 5626 outbound when the UA asks) or 2 (outbound required)"),
        Int("flow_timer", 0, v => FlowTimer = v, v => v is >= 0 and <= 86400 ? null : $"{v} is out of range (0..86400 seconds)"),
        Int("expires_max_deviation", 0, v => ExpiresMaxDeviation = v, v => v is >= 0 and <= 1_000_000 ? null : $"{v} is out of range (0..1000000 seconds)"),
        Unsupported("tcp_persistent_flag", null, "Hyperproxy serves UDP only; there is no TCP connection to keep open"),
        Unsupported("sock_hdr_name", null, "save() keeps the socket the REGISTER arrived on; it takes no socket from a header"),
        Unsupported("gruu_secret", null, "Hyperproxy builds no GRUUs (RFC 5627); there is no secret to set"),
        OnlyDefault("disable_gruu", 1, "Hyperproxy builds no GRUUs (RFC 5627); leave disable_gruu at 1"),
    ])
    {
        // OpenSIPS registrar's statistics: the configuration echoed, and every save() outcome.
        Statistics =
        [
            Statistic.Gauge("max_expires", () => MaxExpires),
            Statistic.Gauge("max_contacts", () => MaxContacts),
            Statistic.Gauge("default_expire", () => DefaultExpires),
            _acceptedRegs,
            _rejectedRegs,
        ],
        Init = () =>
        {
            NormaliseExpires();
            _receivedAvpSlot = -1;
            return FlowTimer > 0 && OutboundMode == 0 ? "flow_timer goes in the 2xx of outbound registrations; set outbound_mode 1 or 2, or flow_timer 0" : null;
        },
    };

    private ModuleDeclaration CreateUsrlocExports() => new(UsrlocName, [],
    [
        Int("use_domain", 0, v => UseDomain = v != 0),
        Int("cseq_delay", 20, v => CSeqDelay = v, NotNegative),
        Int("matching_mode", 0, v => MatchingMode = v, v => v is 0 or 1 ? null : $"{v} is not a mode; use 0 (contact URI) or 1 (contact URI and Call-ID)"),
        Int("timer_interval", 60, v => TimerInterval = v, v => v is >= 1 and <= 86400 ? null : $"{v} is out of range (1..86400 seconds)"),
        Int("hash_size", 9, v => HashSize = v, v => v is >= 1 and <= 30 ? null : $"{v} is out of range (1..30; the index is sized for 2^hash_size AoRs)"),
        String("durability", null, v => ConfiguredDurability = v is null ? null : ParseDurability(v),
            v => v is null || ParseDurability(v) is not null ? null : $"'{v}' is not a mode; use none, checkpoint or sync"),
        String("checkpoint_wal_size", null, v => ConfiguredCheckpointWalBytes = v is null ? null : ParseWalBytes(v),
            v => v is null || LocationStoreOptions.TryParseCheckpointWalBytes(v, out _, out string error) ? null : error),
        String("cluster_mode", "none", v => ClusterMode = v ?? "none", RefuseClusterMode),
        String("cachedb_url", null, v => CachedbUrl = v,
            v => v is null || RedisLocationUrl.TryParse(v, out _, out string error) ? null : error),
        Unsupported("location_cluster", null,
            "Hyperproxy needs no clusterer: in cluster_mode full-sharing-cachedb the nodes share the table through the cachedb_url server alone; remove location_cluster"),
        OnlyDefault("db_mode", 0, StoreInstead),
        Unsupported("db_url", null, StoreInstead),
        String("working_mode_preset", null, _ => { }, v => v is null or "single-instance-no-db" ? null : StoreInstead),
        String("nat_bflag", null, v => NatBflagName = v),
        OnlyDefault("desc_time_order", 0, "bindings are kept in q order, equal q oldest first (desc_time_order 0)"),
    ])
    {
        // OpenSIPS usrloc's statistics for its one table, "location", plus what durability costs (LocationStatistics).
        Statistics = UsrlocStatistics(),
        MiCommands = UsrlocMiCommands(),
    };

    private Statistic[] UsrlocStatistics()
    {
        var rows = new List<Statistic>
        {
            Statistic.Gauge("registered_users", () => _store?.GetStats().Aors ?? 0),
            Statistic.Gauge("location-users", () => _store?.GetStats().Aors ?? 0),
            Statistic.Gauge("location-contacts", () => _store?.GetStats().Contacts ?? 0),
            Statistic.SummedCounter("location-expires", () => _store?.GetStats().PurgedContacts ?? 0),
        };
        for (int i = 2; i < LocationStatistics.Names.Count; i++)
        {
            byte[] name = System.Text.Encoding.ASCII.GetBytes(LocationStatistics.Names[i]);
            rows.Add(Statistic.Gauge(LocationStatistics.Names[i],
                () => LocationStatistics.TryGet(name, _store, DurableReplies, out long v) ? v : 0));
        }

        return [.. rows];
    }

    /// <summary>The cluster modes OpenSIPS knows and why Hyperproxy does not do the others (spec §4.1).</summary>
    private static string? RefuseClusterMode(string? mode) => mode switch
    {
        null or "none" or FullSharingCachedb => null,
        "federation" or "federation-cachedb" or "full-sharing" =>
            $"cluster_mode \"{mode}\" is not supported: Hyperproxy shares a location table through a Redis server only; use \"none\" or \"" + FullSharingCachedb + "\"",
        "sql-only" => "cluster_mode \"sql-only\" is not supported: Hyperproxy has no SQL back-end; use \"" + FullSharingCachedb + "\" with a Redis cachedb_url",
        _ => $"'{mode}' is not a cluster mode; use \"none\" or \"" + FullSharingCachedb + "\"",
    };

    private static string? NotNegative(int value) => value >= 0 ? null : $"{value} is negative";

    private static long ParseWalBytes(string text) => LocationStoreOptions.TryParseCheckpointWalBytes(text, out long bytes, out _) ? bytes : 0;

    private static readonly ParameterFixup SaveFlagsFixup = c =>
        SaveFlags.TryParse(c.ToString(), out SaveFlags flags, out string error) ? FixupResult.Ok(flags) : FixupResult.Fail(error);

    private static readonly ParameterFixup LookupFlagsFixup = c =>
        LookupFlags.TryParse(c.ToString(), out LookupFlags flags, out string error) ? FixupResult.Ok(flags) : FixupResult.Fail(error);
}
