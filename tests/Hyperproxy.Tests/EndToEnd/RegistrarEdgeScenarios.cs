namespace Hyperproxy.Tests.EndToEnd;

/// <summary>The Hyperproxy registrar / home proxy of the seed scenario (save with p2v, lookup, record_route).</summary>
internal static class RegistrarEdgeScenarios
{
    public static string Registrar(int port) => $$"""
        socket = udp:127.0.0.1:{{port}}
        udp_workers = 1
        loadmodule "sl.so"
        loadmodule "rr.so"
        loadmodule "path.so"
        loadmodule "sipmsgops.so"
        loadmodule "usrloc.so"
        loadmodule "registrar.so"
        route {
            if (has_totag()) {
                if (loose_route()) {
                    forward();
                }
                exit;
            }
            if (is_method("REGISTER")) {
                save("location", "p2v");
                exit;
            }
            if (is_method("INVITE")) {
                if (!lookup("location")) {
                    sl_send_reply(404, "Not Found");
                    exit;
                }
                record_route();
                forward();
                exit;
            }
            sl_send_reply(501, "Not Implemented");
        }
        """;
}
