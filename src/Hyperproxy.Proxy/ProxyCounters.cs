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

    private readonly long _padAfter0, _padAfter1, _padAfter2, _padAfter3, _padAfter4, _padAfter5, _padAfter6, _padAfter7;
}
