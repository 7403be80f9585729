using System.Text.Json.Nodes;
using Hyperproxy.Script.Management;

namespace Hyperproxy.Modules.Nathelper;

/// <summary>MI: <c>nh_enable_ping [status]</c> (OpenSIPS nathelper): without a parameter the pinger's state, with one it turns the pinger on (non-zero) or off (0).</summary>
public sealed partial class NathelperModule
{
    private volatile bool _pingingEnabled = true;

    /// <summary>The pinger pings (MI <c>nh_enable_ping</c>; on at start-up).</summary>
    public bool PingingEnabled
    {
        get => _pingingEnabled;
        set => _pingingEnabled = value;
    }

    private MiCommand[] MiCommands() =>
    [
        new MiCommand("nh_enable_ping", EnablePing, [], ["status"]),
    ];

    private JsonNode? EnablePing(MiArguments a)
    {
        if (NatpingInterval == 0)
        {
            throw new MiException(400, "NATping disabled from script");
        }

        long? status = a.Integer("status");
        if (status is null)
        {
            return new JsonObject { ["Status"] = PingingEnabled ? 1 : 0 };
        }

        PingingEnabled = status.Value != 0;
        Log?.Invoke(PingingEnabled ? "nathelper: pinging enabled (MI)" : "nathelper: pinging disabled (MI)");
        return MiCommand.Ok;
    }
}
