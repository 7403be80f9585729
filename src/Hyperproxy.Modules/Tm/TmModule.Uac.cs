using System.Text.Json.Nodes;
using Hyperproxy.Script.Management;

namespace Hyperproxy.Modules.Tm;

public sealed partial class TmModule
{
    /// <summary>The proxy's UAC side, set at start-up when the management interface runs (null: t_uac_dlg answers 500).</summary>
    public ITmUac? Uac { get; set; }

    /// <summary>
    /// MI <c>t_uac_dlg</c> with OpenSIPS 3.x's recipes (named parameters only): method, ruri, headers, and any of next_hop,
    /// socket, body. The answer waits for the final reply; a provisional is never the answer.
    /// </summary>
    private MiCommand[] UacMiCommands() =>
    [
        new MiCommand("t_uac_dlg", static _ => null,
            ["method", "ruri", "headers"],
            ["method", "ruri", "headers", "next_hop"],
            ["method", "ruri", "headers", "socket"],
            ["method", "ruri", "headers", "body"],
            ["method", "ruri", "headers", "next_hop", "socket"],
            ["method", "ruri", "headers", "next_hop", "body"],
            ["method", "ruri", "headers", "socket", "body"],
            ["method", "ruri", "headers", "next_hop", "socket", "body"])
        {
            AsyncHandler = UacDlg,
            NamedParamsOnly = true,
        },
    ];

    private Task<JsonNode?> UacDlg(MiArguments a)
    {
        ITmUac uac = Uac ?? throw new MiException(500, "MI/UAC failed: no worker takes locally originated requests");
        return uac.Start(new TmUacCall(a.Required("method"), a.Required("ruri"), a.Required("headers"),
            a.String("next_hop"), a.String("socket"), a.String("body")));
    }
}
