using System.Text.Json.Nodes;
using Hyperproxy.Script.Management;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Dispatcher;

/// <summary>MI: <c>ds_list [full]</c>, <c>ds_set_state state group address</c>, <c>ds_reload [inherit_state]</c> (OpenSIPS 3.x names and keys).</summary>
public sealed partial class DispatcherModule
{
    private MiCommand[] MiCommands() =>
    [
        new MiCommand("ds_list", List, [], ["full"], ["partition"], ["full", "partition"]),
        new MiCommand("ds_set_state", SetStateCommand, ["state", "group", "address"], ["state", "group", "address", "partition"]),
        new MiCommand("ds_reload", ReloadCommand, [], ["partition"], ["inherit_state"], ["partition", "inherit_state"]),
    ];

    private static void CheckPartition(MiArguments a)
    {
        if (a.String("partition") is { } p && p != "default")
        {
            throw new MiException(400, "Unknown partition");
        }
    }

    private JsonNode List(MiArguments a)
    {
        CheckPartition(a);
        bool full = a.String("full") is { } f && f is not ("0" or "no" or "n" or "");
        DispatcherSnapshot snap = Snapshot;
        var sets = new JsonArray();
        foreach (DispatcherSet set in snap.Data.Sets)
        {
            var destinations = new JsonArray();
            foreach (DispatcherDestination d in set.Destinations)
            {
                var o = new JsonObject
                {
                    ["URI"] = d.Uri,
                    ["state"] = DispatcherState.Name(snap.States[d.Index]),
                    ["first_hit_counter"] = 0,
                };
                if (d.Socket is not null)
                {
                    o["socket"] = d.Socket;
                }

                if (d.Attrs.Length > 0)
                {
                    o["attr"] = System.Text.Encoding.UTF8.GetString(d.Attrs);
                }

                if (full)
                {
                    o["weight"] = d.Weight;
                    o["priority"] = d.Priority;
                    if (d.Description.Length > 0)
                    {
                        o["description"] = d.Description;
                    }
                }

                var resolved = new JsonArray();
                foreach (NetAddress x in d.Addresses)
                {
                    resolved.Add(x.ToString());
                }

                o["resolved_addresses"] = resolved;
                destinations.Add(o);
            }

            sets.Add(new JsonObject { ["id"] = set.Id, ["Destinations"] = destinations });
        }

        return new JsonObject
        {
            ["PARTITIONS"] = new JsonArray(new JsonObject { ["name"] = "default", ["SETS"] = sets }),
        };
    }

    private JsonNode? SetStateCommand(MiArguments a)
    {
        CheckPartition(a);
        if (!DispatcherState.TryParse(a.Required("state"), out byte state))
        {
            throw new MiException(400, "Bad state value");
        }

        string group = a.Required("group");
        int colon = group.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            if (group[..colon] != "default")
            {
                throw new MiException(400, "Unknown partition");
            }

            group = group[(colon + 1)..];
        }

        if (!int.TryParse(group, out int setId))
        {
            throw new MiException(400, "Bad group value");
        }

        string address = a.Required("address");
        DispatcherSnapshot snap = Snapshot;
        foreach (DispatcherDestination d in snap.Data.All)
        {
            if (d.SetId == setId && string.Equals(d.Uri, address, StringComparison.OrdinalIgnoreCase))
            {
                if (state == DispatcherState.Active)
                {
                    Volatile.Write(ref snap.Data.Failures[d.Index], 0);
                }

                SetState(snap.Data, d.Index, state);
                return MiCommand.Ok;
            }
        }

        throw new MiException(404, "Destination not found");
    }

    private JsonNode? ReloadCommand(MiArguments a)
    {
        CheckPartition(a);
        bool inherit = a.String("inherit_state") is not { } i || i is not ("n" or "N" or "no" or "0");
        return Reload(inherit) is { } error ? throw new MiException(500, "ERROR Reloading data: " + error) : MiCommand.Ok;
    }
}
