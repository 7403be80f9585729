using System.Net.Sockets;
using Hyperproxy.Sip;
using Hyperproxy.Transport.Streams;

namespace Hyperproxy.Transport;

/// <summary>
/// The UDP engine: N <see cref="Worker"/>s, each with one SO_REUSEPORT socket per listen address
/// and its own batches and counters. Construct (validates options, checks CPUs, binds every
/// socket; throws <see cref="TransportException"/>), <see cref="Start"/> with one handler per
/// worker, <see cref="Stop"/> to leave within the poll timeout and close the sockets.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    private readonly Worker[] _workers;
    private readonly WorkerCounters[] _counters;
    private readonly int _pollTimeoutMs;
    private bool _started;
    private bool _stopped;

    public WorkerPool(TransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Listen.Count == 0 && options.Streams.Count == 0)
            throw new TransportException("no listen address; give at least one, e.g. --listen udp:127.0.0.1:5060");
        if (options.BatchSize < 1 || options.BatchSize > 1024)
            throw new TransportException($"--batch {options.BatchSize}: expected 1-1024");
        if (options.PollTimeoutMs < 1)
            throw new TransportException($"poll timeout {options.PollTimeoutMs} ms: expected at least 1");
        if (options.Workers < 0)
            throw new TransportException($"--workers {options.Workers}: expected at least 1");

        IoKind = BatchIo.Resolve(options.Io);
        _pollTimeoutMs = options.PollTimeoutMs;
        int[] available = CpuAffinity.AvailableCpus();
        bool pin = options.Pin || options.Cpus is not null;
        int workerCount = options.Workers > 0 ? options.Workers : options.Cpus?.Count ?? available.Length;
        int[]? cpus = pin ? CpuList.AssignWorkers(workerCount, options.Cpus, available) : null;
        if (!CpuAffinity.IsSupported)
            cpus = null;

        List<NetAddress> udpAddresses = ResolveAddresses(options);
        Action<string> log = options.Log ?? (line => Console.Error.WriteLine(line));
        var protocols = new List<TransportProtocol>();
        foreach (NetAddress _ in udpAddresses)
            protocols.Add(TransportProtocol.Udp);
        if (options.Streams.Count > 0)
        {
            StreamOptions streamOptions = options.StreamOptions with
            {
                MaxMessageBytes = Math.Min(options.StreamOptions.MaxMessageBytes, options.SlotSize),
            };
            Streams = new StreamTransport(streamOptions, options.Streams, udpAddresses.Count, workerCount, options.Tls, log);
            udpAddresses.AddRange(Streams.LocalAddresses);
            foreach ((TransportProtocol protocol, NetAddress _) in options.Streams)
                protocols.Add(protocol);
        }
        LocalAddresses = udpAddresses;
        Protocols = protocols;
        int udpCount = options.Listen.Count;
        _counters = new WorkerCounters[workerCount];
        _workers = new Worker[workerCount];
        var opened = new List<IBatchIo>();
        try
        {
            for (int w = 0; w < workerCount; w++)
            {
                var sockets = new Socket[udpCount];
                try
                {
                    for (int s = 0; s < sockets.Length; s++)
                        sockets[s] = UdpSockets.Open(LocalAddresses[s], reusePort: true, options.SocketBufferBytes);
                }
                catch
                {
                    foreach (Socket? socket in sockets)
                        socket?.Dispose();
                    throw;
                }
                IBatchIo? udp = udpCount == 0 ? null : BatchIo.Create(IoKind, sockets, options.BatchSize);
                IBatchIo io = Streams is null ? udp! : new StreamBatchIo(udp, Streams, w, options.Streams.Count);
                opened.Add(io);
                _workers[w] = new Worker(w, cpus is null ? -1 : cpus[w], io, options.BatchSize, options.BatchSize * Math.Clamp(options.OutgoingPerReceived, 1, 16), options.SlotSize,
                    _counters, _pollTimeoutMs, log, options.LogEveryNthFault) { PipelinedCommits = options.PipelinedCommits };
            }
        }
        catch
        {
            foreach (IBatchIo io in opened)
                io.Dispose();
            Streams?.Dispose();
            throw;
        }
    }

    /// <summary>The transport of each socket, in socket-index order (UDP first, then the stream listeners).</summary>
    public IReadOnlyList<TransportProtocol> Protocols { get; }

    /// <summary>The TCP/TLS connections, when stream listeners are configured.</summary>
    public StreamTransport? Streams { get; }

    /// <summary>The bound addresses in socket-index order: UDP in listen order, then the stream listeners (ports resolved when 0 was asked for).</summary>
    public IReadOnlyList<NetAddress> LocalAddresses { get; }

    /// <summary>The I/O implementation in use.</summary>
    public BatchIoKind IoKind { get; }

    public IReadOnlyList<Worker> Workers => _workers;

    /// <summary>Starts every worker with the handler <paramref name="handlerFactory"/> makes for its index.</summary>
    public void Start(Func<int, IBatchHandler> handlerFactory)
    {
        ArgumentNullException.ThrowIfNull(handlerFactory);
        ObjectDisposedException.ThrowIf(_stopped, this);
        if (_started)
            throw new InvalidOperationException("already started");
        _started = true;
        try
        {
            foreach (Worker worker in _workers)
                worker.Start(handlerFactory(worker.Index));
            Streams?.Start();
        }
        catch
        {
            Stop();
            throw;
        }
    }

    /// <summary>
    /// Asks every worker to stop, waits for each (bounded by <paramref name="timeout"/>, default
    /// poll timeout + 2 s) and closes the sockets. False when a worker did not leave in time (its
    /// sockets are then left open rather than closed under it).
    /// </summary>
    public bool Stop(TimeSpan? timeout = null)
    {
        if (_stopped)
            return true;
        _stopped = true;
        TimeSpan bound = timeout ?? TimeSpan.FromMilliseconds(_pollTimeoutMs + 2000);
        Streams?.Dispose();
        foreach (Worker worker in _workers)
            worker.RequestStop();
        Streams?.WakeAll();
        bool all = true;
        DateTime deadline = DateTime.UtcNow + bound;
        foreach (Worker worker in _workers)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            if (worker.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero))
                worker.Io.Dispose();
            else
                all = false;
        }
        return all;
    }

    /// <summary>Counters summed over all workers.</summary>
    public TransportCounters ReadCounters()
    {
        TransportCounters sum = default;
        for (int i = 0; i < _counters.Length; i++)
            sum += TransportCounters.Read(ref _counters[i]);
        return sum;
    }

    public void Dispose() => Stop();

    private static List<NetAddress> ResolveAddresses(TransportOptions options)
    {
        var resolved = new List<NetAddress>(options.Listen.Count);
        foreach (NetAddress address in options.Listen)
        {
            if (address.IsNone)
                throw new TransportException("listen address has no family");
            if (address.Port != 0 && resolved.Contains(address))
                throw new TransportException($"udp:{address}: listed twice");
            if (!options.SkipInUseProbe)
            {
                resolved.Add(UdpSockets.ProbeFree(address));
            }
            else if (address.Port == 0)
            {
                using Socket socket = UdpSockets.Open(address, reusePort: true);
                resolved.Add(UdpSockets.LocalAddress(socket));
            }
            else
            {
                resolved.Add(address);
            }
        }
        return resolved;
    }
}
