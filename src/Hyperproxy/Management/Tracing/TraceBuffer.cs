using System.Text;
using System.Text.Json.Nodes;
using Hyperproxy.Script.Tracing;

namespace Hyperproxy.Management.Tracing;

/// <summary>
/// The last traced messages for the dashboard's trace page: a fixed ring of slots whose byte buffers are
/// reused, so keeping a message costs one copy and no allocation once the slots have grown to the traffic's
/// sizes. The tracer thread appends, HTTP threads read under a lock (side threads only); the JSON a page
/// shows is made when a page asks (<see cref="Since"/>), not per message. Each message has a sequence
/// number so a page asks only for what is new.
/// </summary>
public sealed class TraceBuffer
{
    private readonly TraceHub _hub;
    private readonly Slot[] _slots;
    private readonly object _lock = new();
    private long _sequence;

    public TraceBuffer(TraceHub hub, int keep)
    {
        _hub = hub;
        _slots = new Slot[Math.Max(1, keep)];
        for (int i = 0; i < _slots.Length; i++)
            _slots[i] = new Slot();
    }

    public bool Enabled => _hub.Enabled;

    public long Dropped => _hub.Dropped;

    public long LastSequence => Volatile.Read(ref _sequence);

    public void Add(in TraceHeader h, ReadOnlySpan<byte> message, string traceId)
    {
        lock (_lock)
        {
            long seq = _sequence + 1;
            Slot s = _slots[seq % _slots.Length];
            if (s.Bytes.Length < message.Length)
                s.Bytes = new byte[Math.Max(message.Length, 2048)];
            message.CopyTo(s.Bytes);
            s.Length = message.Length;
            s.Header = h;
            s.TraceId = traceId;
            s.Sequence = seq;
            Volatile.Write(ref _sequence, seq);
        }
    }

    /// <summary>The kept messages with a sequence number above <paramref name="after"/>, oldest first.</summary>
    public JsonArray Since(long after)
    {
        var list = new JsonArray();
        lock (_lock)
        {
            long first = Math.Max(after + 1, _sequence - _slots.Length + 1);
            for (long seq = Math.Max(first, 1); seq <= _sequence; seq++)
                list.Add(ToJson(_slots[seq % _slots.Length]));
        }

        return list;
    }

    private static JsonObject ToJson(Slot s)
    {
        ReadOnlySpan<byte> message = s.Bytes.AsSpan(0, s.Length);
        string text = Encoding.UTF8.GetString(message);
        int lineEnd = text.IndexOf("\r\n", StringComparison.Ordinal);
        return new JsonObject
        {
            ["time"] = s.Header.UnixMicros,
            ["direction"] = s.Header.Outgoing ? "out" : "in",
            ["from"] = "udp:" + s.Header.Source,
            ["to"] = "udp:" + s.Header.Destination,
            ["trace_id"] = s.TraceId,
            ["first_line"] = lineEnd < 0 ? text : text[..lineEnd],
            ["call_id"] = TraceText.CallId(message),
            ["message"] = text,
            ["seq"] = s.Sequence,
        };
    }

    private sealed class Slot
    {
        public byte[] Bytes = [];
        public int Length;
        public TraceHeader Header;
        public string TraceId = "";
        public long Sequence;
    }
}
