using System.Globalization;
using Hyperproxy.Tests.EndToEnd;

namespace Hyperproxy.Integration.Tests;

/// <summary>
/// The scripts and SIPp scenarios of <see cref="KamailioAuthInteropTests"/>: Kamailio 5.6 in front of Hyperproxy (which
/// authenticates) and behind it (Kamailio authenticates and registers, or Hyperproxy authenticates and consumes the
/// credentials first). Every proxy logs what it received, credentials included, so a test can compare the bytes the UA
/// sent with the bytes each hop got: <c>HP got METHOD auth=[…] pauth=[…]</c> (Hyperproxy), <c>K got METHOD
/// credentials=yes|no auth=[…] pauth=[…] path=[…]</c> (Kamailio). All users live in one db_text directory
/// (<see cref="WriteSubscribers"/>) that both auth_db modules read.
/// </summary>
internal static class KamailioAuthScenarios
{
    /// <summary>The subscriber table (alice/secret, bob/hunter2, carol/c4rol in 127.0.0.1) and its version file.</summary>
    public static void WriteSubscribers(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "subscriber"),
            "id(int,auto) username(string) domain(string) password(string) ha1(string) ha1b(string)\n"
            + "1:alice:127.0.0.1:secret:x:x\n2:bob:127.0.0.1:hunter2:x:x\n3:carol:127.0.0.1:c4rol:x:x\n");
        File.WriteAllText(Path.Combine(directory, "version"), "table_name(string) table_version(int)\nsubscriber:7\nlocation:9\n");
    }

    /// <summary>
    /// Hyperproxy as the registrar and home proxy behind Kamailio: REGISTER challenged with www_authorize (403 for a wrong
    /// password, -2), saved to location; INVITE in a transaction (t_newtran) challenged with proxy_authorize, then
    /// record-routed and relayed to its Request-URI. httpd on port 0 for MI (ul_show_contact). <c>{DB}</c> is the
    /// db_text directory.
    /// </summary>
    public const string HyperproxyHome = """
        log_level = 2
        loadmodule "tm.so"
        loadmodule "rr.so"
        loadmodule "sl.so"
        loadmodule "maxfwd.so"
        loadmodule "sipmsgops.so"
        loadmodule "signaling.so"
        loadmodule "usrloc.so"
        loadmodule "registrar.so"
        loadmodule "db_text.so"
        loadmodule "auth.so"
        loadmodule "auth_db.so"
        loadmodule "httpd.so"
        loadmodule "mi_http.so"
        modparam("httpd", "port", 0)
        modparam("tm", "fr_timeout", 3)
        modparam("tm", "fr_inv_timeout", 5)
        modparam("auth_db", "db_url", "text://{DB}")
        modparam("auth_db", "calculate_ha1", 1)
        modparam("auth_db", "password_column", "password")
        modparam("auth_db", "load_credentials", "")

        route {
            xlog("L_NOTICE", "HP got $rm auth=[$hdr(Authorization)] pauth=[$hdr(Proxy-Authorization)]\n");
            if (!mf_process_maxfwd_header(10)) {
                sl_send_reply(483, "Too Many Hops");
                exit;
            }
            if (is_method("REGISTER")) {
                www_authorize("", "subscriber");
                $var(rc) = $retcode;
                if ($var(rc) == -2) {
                    sl_send_reply(403, "Wrong Password");
                    exit;
                }
                if ($var(rc) < 0) {
                    www_challenge("", "auth");
                    exit;
                }
                if (!check_to()) {
                    sl_send_reply(403, "Forbidden");
                    exit;
                }
                consume_credentials();
                save("location");
                exit;
            }
            if (is_method("CANCEL")) {
                if (t_check_trans()) {
                    t_relay();
                }
                exit;
            }
            if (has_totag()) {
                if (loose_route()) {
                    t_relay();
                    exit;
                }
                if (is_method("ACK")) {
                    if (t_check_trans()) {
                        t_relay();
                    }
                    exit;
                }
                sl_send_reply(404, "Not here");
                exit;
            }
            if (!t_newtran()) {
                exit;
            }
            if (is_method("INVITE")) {
                proxy_authorize("", "subscriber");
                $var(rc) = $retcode;
                if ($var(rc) == -2) {
                    send_reply(403, "Wrong Password");
                    exit;
                }
                if ($var(rc) < 0) {
                    proxy_challenge("", "auth");
                    exit;
                }
                consume_credentials();
                record_route();
            }
            if (!t_relay()) {
                send_reply(500, "Server Error");
            }
            exit;
        }
        """;

    /// <summary>
    /// Hyperproxy as the edge in front of Kamailio's registrar: REGISTER gets our Path (<c>add_path()</c>) and is forwarded
    /// to <paramref name="registrarPort"/>. With <paramref name="authenticate"/> the edge first challenges it itself
    /// (www_authorize over the same db_text table) and, with <paramref name="consume"/>, removes the credentials
    /// (consume_credentials(), as OpenSIPS does) before relaying; without, the REGISTER and its Authorization go on as
    /// they came. Replies return statelessly by Via.
    /// </summary>
    public static string HyperproxyEdge(int registrarPort, bool authenticate, bool consume)
    {
        string auth = !authenticate ? "" : $$"""
                    www_authorize("", "subscriber");
                    $var(rc) = $retcode;
                    if ($var(rc) == -2) {
                        sl_send_reply(403, "Wrong Password");
                        exit;
                    }
                    if ($var(rc) < 0) {
                        www_challenge("", "auth");
                        exit;
                    }
                    {{(consume ? "consume_credentials();" : "")}}
            """;
        return $$"""
            log_level = 2
            loadmodule "sl.so"
            loadmodule "rr.so"
            loadmodule "path.so"
            loadmodule "maxfwd.so"
            loadmodule "sipmsgops.so"
            loadmodule "db_text.so"
            loadmodule "auth.so"
            loadmodule "auth_db.so"
            modparam("auth_db", "db_url", "text://{DB}")
            modparam("auth_db", "calculate_ha1", 1)
            modparam("auth_db", "password_column", "password")
            modparam("auth_db", "load_credentials", "")

            route {
                xlog("L_NOTICE", "HP got $rm auth=[$hdr(Authorization)] pauth=[$hdr(Proxy-Authorization)]\n");
                if (!mf_process_maxfwd_header(10)) {
                    sl_send_reply(483, "Too Many Hops");
                    exit;
                }
                if (is_method("REGISTER")) {
            {{auth}}
                    add_path();
                    forward("127.0.0.1:{{registrarPort.ToString(CultureInfo.InvariantCulture)}}");
                    exit;
                }
                if (has_totag()) {
                    loose_route();
                    forward();
                    exit;
                }
                # an initial request from the registrar: its Route is our Path entry
                loose_route();
                record_route();
                forward();
            }
            """;
    }

    /// <summary>
    /// Kamailio in front of Hyperproxy: no authentication of its own; every initial request is relayed (tm) to
    /// <paramref name="nextHopPort"/>, INVITEs record-routed, in-dialog requests loose-routed. Logs what it got and the
    /// replies that come back (<c>K reply CODE www=[…] proxy=[…]</c>).
    /// </summary>
    public static string KamailioFront(int nextHopPort) => KamailioPeer.ConfigHead + """
        loadmodule "xlog.so"
        loadmodule "textops.so"

        request_route {
            if (is_present_hf("Authorization") || is_present_hf("Proxy-Authorization")) {
                $var(c) = "yes";
            } else {
                $var(c) = "no";
            }
            xlog("L_NOTICE", "K got $rm credentials=$var(c) auth=[$hdr(Authorization)] pauth=[$hdr(Proxy-Authorization)] path=[$hdr(Path)]\n");
            if (!mf_process_maxfwd_header("10")) {
                sl_send_reply("483", "Too Many Hops");
                exit;
            }
            if (is_method("CANCEL")) {
                if (t_check_trans()) {
                    t_relay();
                }
                exit;
            }
            if (has_totag()) {
                if (loose_route()) {
                    t_relay();
                    exit;
                }
                if (is_method("ACK")) {
                    if (t_check_trans()) {
                        t_relay();
                    }
                    exit;
                }
                sl_send_reply("404", "Not here");
                exit;
            }
            t_check_trans();
            if (is_method("INVITE")) {
                record_route();
            }
            $du = "sip:127.0.0.1:@NEXT@";
            if (!t_relay()) {
                sl_reply_error();
            }
            exit;
        }

        onreply_route {
            xlog("L_NOTICE", "K reply $rs www=[$hdr(WWW-Authenticate)] proxy=[$hdr(Proxy-Authenticate)]\n");
        }
        """.Replace("@NEXT@", nextHopPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>
    /// Kamailio as the registrar behind Hyperproxy: usrloc in memory, registrar with Path (use_path, path_mode 1: stored,
    /// echoed when the UA supports path). With <paramref name="authenticate"/>: auth_db over db_text <paramref name="db"/>
    /// (the same rows), www_authorize/www_challenge with the To domain as realm, 403 for a wrong password (-2) and for
    /// credentials of another user; without, it trusts its edge and saves what comes.
    /// </summary>
    public static string KamailioRegistrar(string db, bool authenticate)
    {
        string modules = !authenticate ? "" : $$"""
            loadmodule "db_text.so"
            loadmodule "auth.so"
            loadmodule "auth_db.so"
            modparam("auth_db", "db_url", "text://{{db}}")
            modparam("auth_db", "calculate_ha1", yes)
            modparam("auth_db", "password_column", "password")
            modparam("auth_db", "load_credentials", "")

            """;
        string auth = !authenticate ? "" : """
                    www_authorize("$td", "subscriber");
                    $var(rc) = $rc;
                    if ($var(rc) == -2) {
                        sl_send_reply("403", "Wrong Password");
                        exit;
                    }
                    if ($var(rc) < 0) {
                        www_challenge("$td", "1");
                        exit;
                    }
                    if ($au != $tU) {
                        sl_send_reply("403", "Forbidden");
                        exit;
                    }
                    consume_credentials();
            """;
        return KamailioPeer.ConfigHead + modules + $$"""
            loadmodule "xlog.so"
            loadmodule "textops.so"
            loadmodule "usrloc.so"
            loadmodule "registrar.so"

            modparam("usrloc", "db_mode", 0)
            modparam("registrar", "use_path", 1)
            modparam("registrar", "path_mode", 1)

            request_route {
                if (is_present_hf("Authorization") || is_present_hf("Proxy-Authorization")) {
                    $var(c) = "yes";
                } else {
                    $var(c) = "no";
                }
                xlog("L_NOTICE", "K got $rm credentials=$var(c) auth=[$hdr(Authorization)] pauth=[$hdr(Proxy-Authorization)] path=[$hdr(Path)]\n");
                if (!mf_process_maxfwd_header("10")) {
                    sl_send_reply("483", "Too Many Hops");
                    exit;
                }
                if (has_totag()) {
                    if (loose_route()) {
                        t_relay();
                        exit;
                    }
                    if (is_method("ACK") && t_check_trans()) {
                        t_relay();
                    }
                    exit;
                }
                if (is_method("REGISTER")) {
            {{auth}}
                    save("location");
                    exit;
                }
                if (is_method("INVITE")) {
                    if (!lookup("location")) {
                        sl_send_reply("404", "Not Found");
                        exit;
                    }
                    record_route();
                    t_relay();
                    exit;
                }
                sl_send_reply("501", "Not Implemented");
            }
            """;
    }

    /// <summary>
    /// A SIPp UA registering <paramref name="user"/> at 127.0.0.1 with digest (<c>[authentication]</c>, user and password
    /// from <c>-au</c>/<c>-ap</c>): REGISTER, 401, REGISTER with credentials, then <paramref name="finalCode"/>.
    /// The Contact is the UA's own address; <c>Supported: path</c> so a Path-storing registrar echoes the Path.
    /// </summary>
    public static string SippRegister(string user, int finalCode) => $$"""
        <?xml version="1.0" encoding="ISO-8859-1" ?>
        <scenario name="register with digest through a proxy">
          <send retrans="500">
            <![CDATA[

              REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
              Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
              From: <sip:{{user}}@127.0.0.1>;tag=[pid]reg[call_number]
              To: <sip:{{user}}@127.0.0.1>
              Call-ID: [call_id]
              CSeq: 1 REGISTER
              Contact: <sip:{{user}}@[local_ip]:[local_port]>
              Supported: path
              Max-Forwards: 70
              Expires: 300
              Content-Length: 0

            ]]>
          </send>
          <recv response="401" auth="true"/>
          <send retrans="500">
            <![CDATA[

              REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
              Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
              From: <sip:{{user}}@127.0.0.1>;tag=[pid]reg[call_number]
              To: <sip:{{user}}@127.0.0.1>
              Call-ID: [call_id]
              CSeq: 2 REGISTER
              Contact: <sip:{{user}}@[local_ip]:[local_port]>
              [authentication]
              Supported: path
              Max-Forwards: 70
              Expires: 300
              Content-Length: 0

            ]]>
          </send>
          <recv response="{{finalCode.ToString(CultureInfo.InvariantCulture)}}"/>
        </scenario>
        """;
}
