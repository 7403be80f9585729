namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// The seed's edge topology on loopback: UA1 (behind a pretend NAT: its Contact names a port nobody
/// listens on) registers through Hyperproxy P1 (<c>add_path_received</c>) at Kamailio 5.6 (registrar,
/// <c>use_path</c>, lazy path mode); UA2 calls UA1's AoR at Kamailio, whose lookup() preloads the
/// stored Path as Route towards P1, and P1 (<c>use_received</c>) sends the INVITE to UA1's source.
/// </summary>
internal static class EdgeScenarios
{
    /// <summary>Kamailio registrar + stateful home proxy; <c>@PORT@</c> and <c>@CTL@</c> filled by <see cref="KamailioPeer"/>.</summary>
    public const string KamailioRegistrar = KamailioPeer.ConfigHead + """
        # registrar with Path (RFC 3327): path_mode 1 (lazy) stores the Path and echoes it in the 200
        # when the REGISTER says Supported: path; lookup() preloads it as Route with $du = first Path URI
        loadmodule "usrloc.so"
        loadmodule "registrar.so"

        modparam("usrloc", "db_mode", 0)
        modparam("registrar", "use_path", 1)
        modparam("registrar", "path_mode", 1)

        request_route {
            if (!mf_process_maxfwd_header("10")) {
                sl_send_reply("483", "Too Many Hops");
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
            if (method == "REGISTER") {
                save("location");
                exit;
            }
            if (method == "INVITE") {
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

    /// <summary>P1, the edge proxy: Path with received on REGISTER, loose routing (and use_received) for the rest.</summary>
    public static string EdgeProxy(int port, int registrarPort) => $$"""
        socket = udp:127.0.0.1:{{port}}
        udp_workers = 1
        loadmodule "sl.so"
        loadmodule "rr.so"
        loadmodule "path.so"
        loadmodule "sipmsgops.so"
        modparam("path", "use_received", 1)
        route {
            if (is_method("REGISTER")) {
                add_path_received("Outbound");
                forward("127.0.0.1:{{registrarPort}}");
                exit;
            }
            if (has_totag()) {
                loose_route();
                forward();
                exit;
            }
            # an initial request back from the registrar: its Route is our Path entry (preloaded, so
            # loose_route() is false) and use_received has set $du to UA1's source address
            loose_route();
            record_route();
            forward();
        }
        """;

    /// <summary>UA1 registers with a Contact on <paramref name="contactPort"/> (not where it listens) and checks the echoed Path.</summary>
    public static string Register(int registrarPort, int contactPort, string expectedPath) => $$"""
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ua1 register">
  <send retrans="500">
    <![CDATA[
REGISTER sip:127.0.0.1:{{registrarPort}} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:ua1@127.0.0.1>;tag=[pid]reg[call_number]
To: <sip:ua1@127.0.0.1>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:ua1@127.0.0.1:{{contactPort}}>
Supported: path
Expires: 3600
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="200">
    <action>
      <ereg regexp="Path: {{Escape(expectedPath)}}" search_in="msg" check_it="true" assign_to="path"/>
    </action>
  </recv>
  <nop>
    <action>
      <log message="[$path]"/>
    </action>
  </nop>
</scenario>
""";

    /// <summary>UA1 as the callee: the INVITE must target the registered Contact with no Route left; 200, ACK, BYE, 200.</summary>
    public static string Callee(int contactPort) => $$"""
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ua1 callee">
  <recv request="INVITE">
    <action>
      <ereg regexp="^INVITE sip:ua1@127\.0\.0\.1:{{contactPort}} SIP/2\.0" search_in="msg" check_it="true" assign_to="ruri"/>
      <ereg regexp="^Route:" search_in="msg" check_it_inverse="true" assign_to="noroute"/>
    </action>
  </recv>
  <send>
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_Record-Route:]
[last_From:]
[last_To:];tag=[pid]ua1[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:ua1@[local_ip]:[local_port]>
X-Seen: [$ruri][$noroute]
Content-Length: 0

    ]]>
  </send>
  <recv request="ACK"/>
  <recv request="BYE"/>
  <send>
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

    ]]>
  </send>
</scenario>
""";

    /// <summary>UA2 calls UA1's AoR at the registrar; the 200 must be record-routed by P1; ACK and BYE follow the route set.</summary>
    public static string Caller(int registrarPort, int edgePort) => $$"""
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ua2 caller">
  <send retrans="500">
    <![CDATA[
INVITE sip:ua1@127.0.0.1:{{registrarPort}} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:ua2@127.0.0.1>;tag=[pid]ua2[call_number]
To: <sip:ua1@127.0.0.1>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:ua2@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true">
    <action>
      <ereg regexp="Record-Route: &lt;sip:127\.0\.0\.1:{{edgePort}};lr;ftag=[^&gt;]*&gt;" search_in="msg" check_it="true" assign_to="p1rr"/>
    </action>
  </recv>
  <send>
    <![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: <sip:ua2@127.0.0.1>;tag=[pid]ua2[call_number]
To: <sip:ua1@127.0.0.1>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: <sip:ua2@127.0.0.1>;tag=[pid]ua2[call_number]
To: <sip:ua1@127.0.0.1>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
  <nop>
    <action>
      <log message="[$p1rr]"/>
    </action>
  </nop>
</scenario>
""";

    /// <summary>A literal as a POSIX regex inside an XML attribute.</summary>
    private static string Escape(string literal) =>
        literal.Replace(".", "\\.").Replace("<", "&lt;").Replace(">", "&gt;");
}
