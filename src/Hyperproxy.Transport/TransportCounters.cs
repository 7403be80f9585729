namespace Hyperproxy.Transport;

/// <summary>A reading of one worker's counters, or their sum over all workers.</summary>
public readonly record struct TransportCounters(
    long Received,
    long Sent,
    long Truncated,
    long ReceiveErrors,
    long SendErrors,
    long HandlerFaults,
    long Batches,
    long AllocatedBytes,
    long GatherExpected = 0,
    long GatherQuiet = 0,
    long GatherBound = 0)
{
    internal static TransportCounters Read(ref WorkerCounters c) => new(
        Volatile.Read(ref c.Received),
        Volatile.Read(ref c.Sent),
        Volatile.Read(ref c.Truncated),
        Volatile.Read(ref c.ReceiveErrors),
        Volatile.Read(ref c.SendErrors),
        Volatile.Read(ref c.HandlerFaults),
        Volatile.Read(ref c.Batches),
        Volatile.Read(ref c.AllocatedBytes),
        Volatile.Read(ref c.GatherExpected),
        Volatile.Read(ref c.GatherQuiet),
        Volatile.Read(ref c.GatherBound));

    public static TransportCounters operator +(TransportCounters a, TransportCounters b) => new(
        a.Received + b.Received,
        a.Sent + b.Sent,
        a.Truncated + b.Truncated,
        a.ReceiveErrors + b.ReceiveErrors,
        a.SendErrors + b.SendErrors,
        a.HandlerFaults + b.HandlerFaults,
        a.Batches + b.Batches,
        a.AllocatedBytes + b.AllocatedBytes,
        a.GatherExpected + b.GatherExpected,
        a.GatherQuiet + b.GatherQuiet,
        a.GatherBound + b.GatherBound);
}
