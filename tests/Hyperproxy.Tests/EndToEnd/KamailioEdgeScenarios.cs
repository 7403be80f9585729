namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// The seed's edge topology the other way round: Kamailio 5.6 as P1 (path module with
/// <c>add_path_received()</c> and <c>use_received</c> = 1, rr's <c>loose_route()</c> for what comes back)
/// in front of the Hyperproxy registrar (<see cref="RegistrarEdgeScenarios.Registrar"/>).
/// </summary>
internal static class KamailioEdgeScenarios
{
    /// <summary>
    /// Kamailio P1 forwarding REGISTERs to the registrar on <paramref name="registrarPort"/>;
    /// <c>@PORT@</c> and <c>@CTL@</c> are left for <see cref="KamailioPeer"/>. Every request it gets is
    /// logged with its Route header (<c>P1 got METHOD route=[...]</c>) so a test can see what arrived.
    /// </summary>
    public static string KamailioEdge(int registrarPort) => KamailioPeer.ConfigHead + """
        loadmodule "path.so"
        loadmodule "xlog.so"

        modparam("path", "use_received", 1)

        request_route {
            xlog("L_NOTICE", "P1 got $rm $ru route=[$hdr(Route)]\n");
            if (!mf_process_maxfwd_header("10")) {
                sl_send_reply("483", "Too Many Hops");
                exit;
            }
            if (method == "REGISTER") {
                add_path_received("Outbound");
                $du = "sip:127.0.0.1:@REGISTRAR@";
                t_relay();
                exit;
            }
            if (has_totag()) {
                if (loose_route()) {
                    t_relay();
                    exit;
                }
                if (method == "ACK" && t_check_trans()) {
                    t_relay();
                }
                exit;
            }
            # an initial request back from the registrar: its Route is our Path entry; loose_route()
            # removes it and the path module's rr callback sets $du from its received parameter
            loose_route();
            xlog("L_NOTICE", "P1 sends $rm to $du\n");
            record_route();
            t_relay();
        }
        """.Replace("@REGISTRAR@", registrarPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
