namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// SIPp scenarios for a record-routed call through the proxy: the caller sends INVITE, ACK and an
/// in-dialog INFO (caller → callee), the callee checks our Record-Route, that the INFO lost its
/// Route, and hangs up (BYE callee → caller), all following the route set (rrs).
/// </summary>
internal static class SippScenarios
{
    public static string Caller(int calleePort) => $$"""
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="rr caller">
  <send retrans="500">
    <![CDATA[
INVITE sip:callee@127.0.0.1:{{calleePort}} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:caller@127.0.0.1>;tag=[pid]SIPpTag00[call_number]
To: <sip:callee@127.0.0.1:{{calleePort}}>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:caller@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: <sip:caller@127.0.0.1>;tag=[pid]SIPpTag00[call_number]
To: <sip:callee@127.0.0.1:{{calleePort}}>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[
INFO [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: <sip:caller@127.0.0.1>;tag=[pid]SIPpTag00[call_number]
To: <sip:callee@127.0.0.1:{{calleePort}}>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 INFO
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
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

    public static string Callee(int proxyPort) => $$"""
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="rr callee">
  <recv request="INVITE" rrs="true">
    <action>
      <ereg regexp="Record-Route: &lt;sip:127.0.0.1:{{proxyPort}};lr;ftag=[^&gt;]*&gt;" search_in="msg" check_it="true" assign_to="rr"/>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="caller"/>
    </action>
  </recv>
  <send>
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_Record-Route:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:callee@[local_ip]:[local_port]>
X-Seen: [$rr]
Content-Length: 0

    ]]>
  </send>
  <recv request="ACK"/>
  <recv request="INFO">
    <action>
      <ereg regexp="^Route:" search_in="msg" check_it_inverse="true" assign_to="noroute"/>
    </action>
  </recv>
  <send>
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
X-Route-Left: [$noroute]
Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: <sip:callee@127.0.0.1>;tag=[pid]SIPpTag01[call_number]
To:[$caller]
Call-ID: [call_id]
CSeq: 1 BYE
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
</scenario>
""";
}
