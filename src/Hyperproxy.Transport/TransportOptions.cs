using Hyperproxy.Sip;

namespace Hyperproxy.Transport;

/// <summary>How the <see cref="WorkerPool"/> runs: addresses, workers, CPUs, batch and buffer sizes.</summary>
public sealed record TransportOptions
{
    /// <summary>Addresses to bind; the index of each is the socket index in batches. Port 0 picks one.</summary>
    public IReadOnlyList<NetAddress> Listen { get; init; } = [];

    /// <summary>
    /// Stream listeners (TCP, TLS), numbered after the UDP sockets: the first has socket index <c>Listen.Count</c>.
    /// </summary>
    public IReadOnlyList<(TransportProtocol Protocol, NetAddress Address)> Streams { get; init; } = [];

    /// <summary>Limits and timers of the stream transports.</summary>
    public Streams.StreamOptions StreamOptions { get; init; } = new();

    /// <summary>The TLS handshakes of <c>tls:</c> listeners and of connections we open to TLS peers.</summary>
    public Streams.ITlsProvider? Tls { get; init; }

    /// <summary>Worker threads; 0 means one per CPU (the listed CPUs, or all available).</summary>
    public int Workers { get; init; }

    /// <summary>Pin workers to these CPUs in order (--cpus); null with <see cref="Pin"/> uses the available ones.</summary>
    public IReadOnlyList<int>? Cpus { get; init; }

    /// <summary>Pin each worker to one CPU. Implied when <see cref="Cpus"/> is set.</summary>
    public bool Pin { get; init; }

    /// <summary>Datagrams per receive batch (--batch).</summary>
    public int BatchSize { get; init; } = DatagramBatch.DefaultCapacity;

    /// <summary>
    /// Outgoing slots per received datagram (1..16). A stateless handler sends at most one datagram per datagram it
    /// handles; a transaction-stateful one can send several in one turn (100 Trying and the relayed INVITE, one INVITE
    /// per fork branch, CANCELs, timer retransmissions), so its outgoing batch is larger and goes out in
    /// receive-batch-sized sendmmsg calls.
    /// </summary>
    public int OutgoingPerReceived { get; init; } = 1;

    /// <summary>
    /// Experimental, off by default (the server turns it on with <c>HYPERPROXY_WAL_PIPELINE=1</c>): a worker keeps two
    /// WAL syncs in flight on its io_uring instead of syncing on its own thread; a pinned worker's syncs run on the
    /// process's other CPUs. Measured on the build VM (2026-12-07, loaded, quick runs) a pinned worker answered fewer
    /// durable REGISTERs pipelined than syncing on its own thread at 16, 64 and 256 in flight: each sync waits for a
    /// kernel thread to be scheduled on a busy CPU (docs/durability.md).
    /// </summary>
    public bool PipelinedCommits { get; init; }

    /// <summary>Bytes per datagram slot; longer datagrams are dropped and counted as truncated.</summary>
    public int SlotSize { get; init; } = DatagramBatch.DefaultSlotSize;

    /// <summary>Longest wait for datagrams before a worker checks for shutdown.</summary>
    public int PollTimeoutMs { get; init; } = 100;

    /// <summary>Requested SO_RCVBUF / SO_SNDBUF per socket.</summary>
    public int SocketBufferBytes { get; init; } = UdpSockets.DefaultBufferBytes;

    /// <summary>Which batch I/O to use.</summary>
    public BatchIoKind Io { get; init; } = BatchIoKind.Auto;

    /// <summary>Skip the "port already in use" probe (tests that share a port on purpose).</summary>
    public bool SkipInUseProbe { get; init; }

    /// <summary>Log lines from workers (handler faults); default: standard error.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>A handler fault is logged the first time and then every this many times.</summary>
    public int LogEveryNthFault { get; init; } = 1000;
}
