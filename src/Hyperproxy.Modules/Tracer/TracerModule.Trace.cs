using System.Text.Json.Nodes;
using Hyperproxy.Script.Management;
using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Modules.Tracer;

public sealed partial class TracerModule
{
    /// <summary>Start-up: the trace_id name to its index, the scope to a flag (call-site state).</summary>
    private object? Prepare(CallArguments a)
    {
        string? id = a.Count > 0 ? a.Fixed(0) as string : null;
        // sip_trace() without arguments: the first trace_id; a name given as a variable is looked up per call.
        int index = id is null ? (a.Count == 0 && _destinations.Count > 0 ? 0 : -1) : _destinations.FindIndex(d => d.Name == id);
        bool transaction = a.Count < 2 || (a.Fixed(1) as string ?? "t") == "t";
        return new CallSite(index, transaction);
    }

    /// <summary>trace()/sip_trace(): captures the message as received; scope t also marks what is sent for it.</summary>
    private int Trace(ScriptContext c, CallArguments a)
    {
        var site = (CallSite)a.State!;
        int index = site.Index;
        if (index < 0 && a.Count > 0)
        {
            ReadOnlySpan<byte> name = a.Bytes(c, 0);
            for (int i = 0; i < _destinations.Count && index < 0; i++)
            {
                if (System.Text.Ascii.Equals(name, _destinations[i].Name))
                    index = i;
            }
        }

        if (index < 0)
        {
            a.Error(c, "no such trace_id");
            return ScriptResult.False;
        }

        var hub = Hub;
        if (hub is null || !hub.Enabled)
            return ScriptResult.False;
        var local = c.Host.SocketAddress(c.Socket);
        hub.Capture(c.Worker, index, outgoing: false, c.Source, local, c.Message.Bytes);
        if (site.Transaction)
        {
            c.Tracer = hub;
            c.TraceId = index + 1;
        }

        return ScriptResult.True;
    }

    /// <summary>MI <c>trace [id] [on|off]</c>: without a mode, the state; with one, switch tracing on or off.</summary>
    private JsonNode TraceCommand(MiArguments a)
    {
        var hub = Hub ?? throw new MiException(500, "Internal Error: tracing is not running");
        string? mode = a.String("trace_mode");
        string? id = a.String("id");
        if (id is not null && !_destinations.Exists(d => d.Name == id))
            throw new MiException(404, "trace_id not found");
        if (mode is null)
        {
            var list = new JsonArray();
            foreach (TraceDestination d in _destinations)
            {
                if (id is null || d.Name == id)
                    list.Add(new JsonObject { ["id"] = d.Name, ["uri"] = d.HepId is not null ? "hep:" + d.HepId : d.Pcap is not null ? "pcap:" + d.Pcap : "file:" + d.File, ["state"] = hub.Enabled ? "on" : "off" });
            }

            return new JsonObject { ["global"] = hub.Enabled ? "on" : "off", ["trace_ids"] = list };
        }

        hub.Enabled = mode switch
        {
            "on" => true,
            "off" => false,
            _ => throw new MiException(400, "Bad parameter value: trace_mode is on or off"),
        };
        return MiCommand.Ok;
    }

    private sealed record CallSite(int Index, bool Transaction);
}
