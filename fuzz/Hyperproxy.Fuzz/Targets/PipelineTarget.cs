namespace Hyperproxy.Fuzz.Targets;

/// <summary>
/// The whole request and reply path of one worker, driven by a routing script that touches most modules: maxfwd,
/// pike, sipmsgops' checks, rr and path, registrar/usrloc (save and lookup against an in-memory FASTER store), auth_db
/// with db_text, tm (<c>t_relay</c>, replies matched to transactions) and stateless forwarding. Input is one datagram.
/// </summary>
public sealed class PipelineTarget : IFuzzTarget
{
    public const string Script = """
        loadmodule "sl.so"
        loadmodule "maxfwd.so"
        loadmodule "sipmsgops.so"
        loadmodule "rr.so"
        loadmodule "path.so"
        loadmodule "pike.so"
        loadmodule "usrloc.so"
        loadmodule "registrar.so"
        loadmodule "tm.so"
        loadmodule "db_text.so"
        loadmodule "auth.so"
        loadmodule "auth_db.so"
        modparam("pike", "reqs_density_per_unit", 1000000)
        modparam("auth_db", "db_url", "text://@DB@")
        modparam("auth_db", "calculate_ha1", 1)
        modparam("auth_db", "password_column", "password")
        route {
            if (!mf_process_maxfwd_header(10)) { sl_send_reply(483, "Too Many Hops"); exit; }
            if (!pike_check_req()) { exit; }
            if (sipmsg_validate("srftc") < 0) { sl_send_reply(400, "Bad Message"); exit; }
            if (has_totag()) {
                if (loose_route()) { t_relay(); exit; }
                if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
                sl_send_reply(404, "Not here");
                exit;
            }
            if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
            if (is_method("REGISTER")) {
                if ($rd == "secure.example.com") {
                    if (!www_authorize("", "subscriber")) { www_challenge("", "auth,auth-int", "SHA-256-sess,SHA-256,MD5-sess,MD5"); exit; }
                    if (!db_is_to_authorized("uri")) { sl_send_reply(403, "Forbidden"); exit; }
                    consume_credentials();
                }
                if (is_present_hf("Path")) { add_path_received(); }
                save("location");
                exit;
            }
            if (is_method("INVITE")) {
                if (!proxy_authorize("", "subscriber")) {
                    if ($fd == "example.com") { proxy_challenge("", "auth"); exit; }
                }
                record_route();
                if (!lookup("location")) { sl_send_reply(404, "Not Found"); exit; }
                t_relay();
                exit;
            }
            if (is_method("OPTIONS") && $rU == null) { sl_send_reply(200, "OK"); exit; }
            if (!forward()) { sl_reply_error(); }
        }
        """;

    private readonly ProxyRig _rig = new(Script);

    public void Run(ReadOnlySpan<byte> input) => _rig.Process(input);

    public void Dispose() => _rig.Dispose();
}
