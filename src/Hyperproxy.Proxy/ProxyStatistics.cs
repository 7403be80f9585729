using Hyperproxy.Script.Statistics;

namespace Hyperproxy.Proxy;

/// <summary>
/// The OpenSIPS groups the stateless core counts (docs/statistics.md): <c>core</c> (rcv_requests, fwd_replies,
/// err_requests, bad_URIs_rcvd, ..., timestamp) and <c>sl</c> (1xx_replies .. 6xx_replies, sent_replies,
/// sent_err_replies, received_ACKs), read by summing the workers' <see cref="ProxyCounters"/>.
/// </summary>
public static class ProxyStatistics
{
    private delegate long Field(ref ProxyCounters c);

    public static IReadOnlyList<Statistic> Core(ProxyCounters[] counters, DateTimeOffset started) =>
    [
        Sum(counters, "rcv_requests", static (ref c) => c.RequestsReceived),
        Sum(counters, "rcv_replies", static (ref c) => c.RepliesReceived),
        Sum(counters, "fwd_requests", static (ref c) => c.RequestsForwarded),
        Sum(counters, "fwd_replies", static (ref c) => c.RepliesForwarded),
        Sum(counters, "drop_requests", static (ref c) => c.RequestsDropped),
        Sum(counters, "drop_replies", static (ref c) => c.RepliesDropped),
        Sum(counters, "err_requests", static (ref c) => c.BadRequests),
        Sum(counters, "err_replies", static (ref c) => c.BadReplies + c.RepliesWithoutNextVia),
        Sum(counters, "bad_URIs_rcvd", static (ref c) => c.BadUris),
        Sum(counters, "unsupported_methods", static (ref c) => c.BadMethods),
        Sum(counters, "bad_msg_hdr", static (ref c) => c.BadHeaders),
        Statistic.Gauge("timestamp", () => (long)(DateTimeOffset.UtcNow - started).TotalSeconds),
        // Hyperproxy's own, beyond OpenSIPS's list: what the stop log has always shown.
        Sum(counters, "garbage", static (ref c) => c.Garbage),
        Sum(counters, "too_many_hops", static (ref c) => c.TooManyHops),
        Sum(counters, "loops_detected", static (ref c) => c.LoopsDetected),
        Sum(counters, "replies_not_for_us", static (ref c) => c.RepliesNotForUs),
        Sum(counters, "output_full", static (ref c) => c.OutputFull),
        Sum(counters, "datagram_faults", static (ref c) => c.DatagramFaults),
    ];

    public static IReadOnlyList<Statistic> Sl(ProxyCounters[] counters) =>
    [
        Sum(counters, "1xx_replies", static (ref c) => c.Replies1xx),
        Sum(counters, "2xx_replies", static (ref c) => c.Replies2xx),
        Sum(counters, "3xx_replies", static (ref c) => c.Replies3xx),
        Sum(counters, "4xx_replies", static (ref c) => c.Replies4xx),
        Sum(counters, "5xx_replies", static (ref c) => c.Replies5xx),
        Sum(counters, "6xx_replies", static (ref c) => c.Replies6xx),
        Sum(counters, "sent_replies", static (ref c) => c.LocalReplies),
        Sum(counters, "sent_err_replies", static (ref c) => c.Replies3xx + c.Replies4xx + c.Replies5xx + c.Replies6xx),
        Sum(counters, "received_ACKs", static (ref c) => c.AcksAbsorbed),
    ];

    /// <summary>
    /// <c>$stat(name)</c> for a script host: the server's registry when it has one; without (tests, benchmarks), the
    /// core statistics summed over <paramref name="counters"/> and the usrloc group of <paramref name="store"/>.
    /// </summary>
    public static bool TryRead(StatisticsRegistry? registry, ProxyCounters[] counters, Location.ILocationStore? store,
        Location.DurableReplyStats[]? replyStats, ReadOnlySpan<byte> name, out long value)
    {
        if (registry is not null)
        {
            Statistic? s = registry.Find(name);
            value = s is null ? 0 : registry.Read(s);
            return s is not null;
        }

        return ProxyCounters.TryGetStatistic(counters, name, out value) || Location.LocationStatistics.TryGet(name, store, replyStats, out value);
    }

    /// <summary>tm's group (OpenSIPS's names where it has them, then Hyperproxy's own): registered when the script loads tm.</summary>
    public static IReadOnlyList<Statistic> Tm(ProxyCounters[] counters) =>
    [
        Sum(counters, "UAS_transactions", static (ref c) => c.TmTransactions),
        // Transactions this server starts itself (OpenSIPS: t_uac, t_uac_dlg): MI t_uac_dlg.
        Sum(counters, "UAC_transactions", static (ref c) => c.TmUacTransactions),
        Sum(counters, "2xx_transactions", static (ref c) => c.TmFinal2xx),
        Sum(counters, "3xx_transactions", static (ref c) => c.TmFinal3xx),
        Sum(counters, "4xx_transactions", static (ref c) => c.TmFinal4xx),
        Sum(counters, "5xx_transactions", static (ref c) => c.TmFinal5xx),
        Sum(counters, "6xx_transactions", static (ref c) => c.TmFinal6xx),
        Sum(counters, "received_replies", static (ref c) => c.TmRepliesReceived),
        Statistic.Gauge("inuse_transactions", () => SumNow(counters, static (ref c) => c.TmInUse)),
        Sum(counters, "relayed_replies", static (ref c) => c.TmRelayedReplies),
        Sum(counters, "local_replies", static (ref c) => c.TmLocalReplies),
        Sum(counters, "timeout_finalresponse", static (ref c) => c.TmTimeouts),
        Sum(counters, "retransmissions_absorbed", static (ref c) => c.TmRetransmissionsAbsorbed),
        Sum(counters, "retransmissions_sent", static (ref c) => c.TmRetransmissionsSent),
        Sum(counters, "table_full", static (ref c) => c.TmTableFull),
        Sum(counters, "handoffs_sent", static (ref c) => c.TmHandoffsSent),
        Sum(counters, "handoffs_received", static (ref c) => c.TmHandoffsReceived),
        Sum(counters, "handoff_drops", static (ref c) => c.TmHandoffDrops),
        Sum(counters, "request_handoffs", static (ref c) => c.TmRequestHandoffs),
        Sum(counters, "dns_failovers", static (ref c) => c.TmDnsFailovers),
        Sum(counters, "transport_failures", static (ref c) => c.TmTransportFailures),
        Sum(counters, "overload_rejected", static (ref c) => c.TmOverloadRejected),
        Sum(counters, "overload_episodes", static (ref c) => c.TmOverloadEpisodes),
        Statistic.Gauge("overloaded_workers", () => SumNow(counters, static (ref c) => c.TmOverloaded)),
        Statistic.Gauge("overload_shed_permille", () => MaxNow(counters, static (ref c) => c.TmShedPermille)),
        Sum(counters, "overload_shed_changes", static (ref c) => c.TmShedChanges),
        Statistic.Gauge("kernel_drops", () => SumNow(counters, static (ref c) => c.KernelDrops)),
        Sum(counters, "local_acks_absorbed", static (ref c) => c.TmLocalAcksAbsorbed),
    ];

    private static Statistic Sum(ProxyCounters[] counters, string name, Field field) =>
        Statistic.SummedCounter(name, () => SumNow(counters, field));

    private static long MaxNow(ProxyCounters[] counters, Field field)
    {
        long max = 0;
        for (int i = 0; i < counters.Length; i++)
        {
            max = Math.Max(max, field(ref counters[i]));
        }

        return max;
    }

    private static long SumNow(ProxyCounters[] counters, Field field)
    {
        long sum = 0;
        for (int i = 0; i < counters.Length; i++)
        {
            // Read in place (no copy of the whole padded struct): each field is one aligned long, written by its worker only.
            sum += field(ref counters[i]);
        }

        return sum;
    }
}
