using System.Text;
using System.Text.Json.Nodes;
using Hyperproxy.Script.Tracing;

namespace Hyperproxy.Management.Tracing;

/// <summary>
/// The last traced messages for the dashboard's trace page (the tracer thread appends, HTTP threads read
/// under a lock; side threads only). Each has a sequence number so a page asks only for what is new.
/// </summary>
public sealed class TraceBuffer(TraceHub hub, int keep)
{
    private readonly Queue<JsonObject> _messages = new();
    private readonly object _lock = new();
    private long _sequence;

    public bool Enabled => hub.Enabled;

    public long Dropped => hub.Dropped;

    public long LastSequence => Volatile.Read(ref _sequence);

    public void Add(in TraceHeader h, byte[] message, string traceId)
    {
        string text = Encoding.UTF8.GetString(message);
        int lineEnd = text.IndexOf("\r\n", StringComparison.Ordinal);
        var o = new JsonObject
        {
            ["time"] = h.UnixMicros,
            ["direction"] = h.Outgoing ? "out" : "in",
            ["from"] = "udp:" + h.Source,
            ["to"] = "udp:" + h.Destination,
            ["trace_id"] = traceId,
            ["first_line"] = lineEnd < 0 ? text : text[..lineEnd],
            ["call_id"] = TraceText.CallId(message),
            ["message"] = text,
        };
        lock (_lock)
        {
            o["seq"] = ++_sequence;
            _messages.Enqueue(o);
            while (_messages.Count > keep)
                _messages.Dequeue();
        }
    }

    /// <summary>Copies of the kept messages with a sequence number above <paramref name="after"/>, oldest first.</summary>
    public JsonArray Since(long after)
    {
        var list = new JsonArray();
        lock (_lock)
        {
            foreach (JsonObject o in _messages)
            {
                if ((long)o["seq"]! > after)
                    list.Add(o.DeepClone());
            }
        }

        return list;
    }
}
