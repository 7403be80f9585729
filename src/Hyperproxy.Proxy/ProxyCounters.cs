using System.Runtime.InteropServices;

namespace Hyperproxy.Proxy;

/// <summary>
/// One worker's SIP counters. Written only by the worker's thread; read (summed) by anyone.
/// Padded to whole cache lines so that two workers' counters never share one.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct ProxyCounters
{
    private readonly long _padBefore0, _padBefore1, _padBefore2, _padBefore3, _padBefore4, _padBefore5, _padBefore6, _padBefore7;

    public long RequestsReceived;
    public long RepliesReceived;
    public long RequestsForwarded;
    public long RepliesForwarded;
    public long LocalReplies;
    public long BadRequests;
    public long BadReplies;
    public long Garbage;
    public long RepliesNotForUs;
    public long RepliesWithoutNextVia;
    public long TooManyHops;
    public long LoopsDetected;
    public long AcksAbsorbed;
    public long UnresolvedDrops;
    public long NoRouteReplies;
    public long OutputFull;
    public long RepliesDropped;

    /// <summary>Datagrams whose handling threw (a bug): each dropped alone, the rest of its batch kept.</summary>
    public long DatagramFaults;

    /// <summary>Requests parked while the location store fetched their record, run again once it came, and
    /// the ones that found the parking full (they waited for the store on the worker).</summary>
    public long RequestsParked;
    public long RequestsResumed;
    public long ParkingFull;

    /// <summary>1 once the location store's descriptor is in this worker's poll set (its answers wake the worker).</summary>
    public long StoreWakes;

    /// <summary>Requests dropped because a stateless forward/send could not go anywhere (core:drop_requests).</summary>
    public long RequestsDropped;

    /// <summary>STUN Binding requests answered on a SIP UDP port; NAT pings sent for nathelper and their replies absorbed.</summary>
    public long StunAnswered;
    public long NatPingsSent;
    public long NatPingReplies;

    /// <summary>RFC 5626: requests for a TCP/TLS flow whose connection was gone (430), and branches tm moved to another flow of the instance.</summary>
    public long FlowsFailed;
    public long FlowRetries;

    /// <summary>Malformed requests by what was wrong (core:bad_URIs_rcvd, bad_msg_hdr, unsupported_methods).</summary>
    public long BadUris;
    public long BadHeaders;
    public long BadMethods;

    /// <summary>Local (stateless) replies by class, 1xx .. 6xx (the sl group).</summary>
    public long Replies1xx;
    public long Replies2xx;
    public long Replies3xx;
    public long Replies4xx;
    public long Replies5xx;
    public long Replies6xx;

    // tm (group "tm" in $stat): transactions created, in use now, the table full, retransmissions absorbed and sent,
    // final-response timeouts, replies relayed and generated, and the hand-off of replies between workers.
    public long TmTransactions;
    public long TmInUse;
    public long TmTableFull;
    public long TmRetransmissionsAbsorbed;
    public long TmRetransmissionsSent;
    public long TmTimeouts;
    public long TmRelayedReplies;
    public long TmLocalReplies;
    public long TmHandoffsSent;
    public long TmHandoffsReceived;
    public long TmHandoffDrops;

    /// <summary>CANCELs and ACKs handed to the worker that owns their INVITE transaction (also counted in TmHandoffsSent).</summary>
    public long TmRequestHandoffs;

    /// <summary>tm, OpenSIPS's names: replies matched to a transaction (received_replies), and the final replies
    /// sent upstream (relayed or local) by class (2xx_transactions .. 6xx_transactions).</summary>
    public long TmRepliesReceived;
    public long TmFinal2xx;
    public long TmFinal3xx;
    public long TmFinal4xx;
    public long TmFinal5xx;
    public long TmFinal6xx;

    /// <summary>tm: transactions this server originated (MI t_uac_dlg), OpenSIPS's UAC_transactions.</summary>
    public long TmUacTransactions;

    /// <summary>tm: branches sent again to the next address of their next hop's name (RFC 3263 §4.3 DNS failover).</summary>
    public long TmDnsFailovers;

    /// <summary>tm: branches ended by a transport error (their outgoing connection could not be opened): a 503 each, RFC 3261 §16.9.</summary>
    public long TmTransportFailures;

    /// <summary>tm's admission control: new INVITEs refused (503 or dropped) while the worker was behind or its table above
    /// the watermark; the times the worker turned behind; 1 while it is (a gauge); ACKs of our stateless negative replies
    /// absorbed before the script.</summary>
    public long TmOverloadRejected;
    public long TmOverloadEpisodes;
    public long TmOverloaded;
    public long TmLocalAcksAbsorbed;

    /// <summary>tm's kernel shedding: the share of INVITEs (permille) the worker's socket filter drops now (a gauge); the times it
    /// changed; the datagrams the kernel dropped for the worker's sockets (a full buffer or the filter: SO_MEMINFO, read while
    /// shedding).</summary>
    public long TmShedPermille;
    public long TmShedChanges;
    public long KernelDrops;

    private readonly long _padAfter0, _padAfter1, _padAfter2, _padAfter3, _padAfter4, _padAfter5, _padAfter6, _padAfter7;

    /// <summary>
    /// <c>$stat(name)</c>: OpenSIPS core statistics summed over <paramref name="counters"/> — rcv_requests,
    /// rcv_replies, fwd_requests, fwd_replies, err_requests, err_replies. Other names are unknown (false).
    /// Statistics are global: every block reads them, with or without a message.
    /// </summary>
    public static bool TryGetStatistic(ProxyCounters[] counters, ReadOnlySpan<byte> name, out long value)
    {
        value = 0;
        int field = name.SequenceEqual("rcv_requests"u8) ? 0 : name.SequenceEqual("rcv_replies"u8) ? 1
            : name.SequenceEqual("fwd_requests"u8) ? 2 : name.SequenceEqual("fwd_replies"u8) ? 3
            : name.SequenceEqual("err_requests"u8) ? 4 : name.SequenceEqual("err_replies"u8) ? 5
            : name.SequenceEqual("UAS_transactions"u8) ? 6 : name.SequenceEqual("inuse_transactions"u8) ? 7
            : name.SequenceEqual("relayed_replies"u8) ? 8 : name.SequenceEqual("local_replies"u8) ? 9
            : name.SequenceEqual("timeout_finalresponse"u8) ? 10 : -1;
        if (field < 0)
        {
            return false;
        }

        for (int i = 0; i < counters.Length; i++)
        {
            ref ProxyCounters c = ref counters[i];
            value += field switch
            {
                0 => Volatile.Read(ref c.RequestsReceived),
                1 => Volatile.Read(ref c.RepliesReceived),
                2 => Volatile.Read(ref c.RequestsForwarded),
                3 => Volatile.Read(ref c.RepliesForwarded),
                4 => Volatile.Read(ref c.BadRequests),
                5 => Volatile.Read(ref c.BadReplies),
                6 => Volatile.Read(ref c.TmTransactions),
                7 => Volatile.Read(ref c.TmInUse),
                8 => Volatile.Read(ref c.TmRelayedReplies),
                9 => Volatile.Read(ref c.TmLocalReplies),
                _ => Volatile.Read(ref c.TmTimeouts),
            };
        }

        return true;
    }
}
