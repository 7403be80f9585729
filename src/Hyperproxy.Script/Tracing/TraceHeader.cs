using System.Runtime.InteropServices;
using Hyperproxy.Sip;

namespace Hyperproxy.Script.Tracing;

/// <summary>What a traced message carries besides its bytes: when, which way, from and to where, for which trace_id.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct TraceHeader
{
    /// <summary>Unix time in microseconds.</summary>
    public long UnixMicros;
    public NetAddress Source;
    public NetAddress Destination;
    public int Length;

    /// <summary>True for a message this proxy sent (a relayed request or reply, a local reply).</summary>
    public bool Outgoing;

    /// <summary>The index of the trace_id destination (0-based).</summary>
    public byte TraceId;
}
