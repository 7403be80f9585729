using System.Runtime.InteropServices;

namespace Hyperproxy.Transport;

/// <summary>
/// One worker's counters, written only by that worker. 192 bytes with the fields in the first 96,
/// so neighbours in an array never share a cache line whatever the array's alignment.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal struct WorkerCounters
{
    [FieldOffset(0)] public long Received;
    [FieldOffset(8)] public long Sent;
    [FieldOffset(16)] public long Truncated;
    [FieldOffset(24)] public long ReceiveErrors;
    [FieldOffset(32)] public long SendErrors;
    [FieldOffset(40)] public long HandlerFaults;
    [FieldOffset(48)] public long Batches;

    /// <summary>GC.GetAllocatedBytesForCurrentThread() on the worker at the end of its last loop.</summary>
    [FieldOffset(56)] public long AllocatedBytes;

    /// <summary>Stopwatch ticks spent handling and sending batches (not waiting in the kernel): the load statistics.</summary>
    [FieldOffset(64)] public long BusyTicks;

    /// <summary>Gatherings for a commit that ended with the expected arrivals in hand (<see cref="CommitGathering"/>).</summary>
    [FieldOffset(72)] public long GatherExpected;

    /// <summary>...that ended on the quiet gap.</summary>
    [FieldOffset(80)] public long GatherQuiet;

    /// <summary>...that ended on the time or batch bound.</summary>
    [FieldOffset(88)] public long GatherBound;
}
