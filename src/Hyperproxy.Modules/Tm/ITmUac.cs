using System.Text.Json.Nodes;

namespace Hyperproxy.Modules.Tm;

/// <summary>
/// tm's locally originated (UAC) transactions, as MI <c>t_uac_dlg</c> starts them: implemented by the proxy, which builds
/// the request, hands it to a worker (the worker owns the client transaction, its timers and retransmissions) and
/// completes the task with the final reply in OpenSIPS's result shape. Set at start-up when the script loads tm and the
/// management interface; called on the management thread.
/// </summary>
public interface ITmUac
{
    /// <summary>
    /// Starts one request; the task ends with the final reply (<c>{"Status":"200 OK", ...}</c>) or a 408 after fr_timeout.
    /// Bad parameters throw <see cref="Script.Management.MiException"/> with OpenSIPS's code and text.
    /// </summary>
    Task<JsonNode?> Start(TmUacCall call);
}

/// <summary>The parameters of MI <c>t_uac_dlg</c> (OpenSIPS 3.x names): method, ruri, headers; next_hop, socket and body optional.</summary>
public sealed record TmUacCall(string Method, string Ruri, string Headers, string? NextHop, string? Socket, string? Body);
