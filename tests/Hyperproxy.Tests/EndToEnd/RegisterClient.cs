using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>REGISTERs from a plain UDP client, for the registrar tests that drive the real server process.</summary>
internal static class RegisterClient
{
    /// <summary>
    /// Sends <paramref name="request"/> and returns its reply, retransmitting up to 5 times on the client's receive
    /// timeout. A reply whose Via branch is not the request's is a late answer to an earlier retransmitted request (a loaded
    /// server answers both copies) and is skipped.
    /// </summary>
    public static string Exchange(UdpClient client, IPEndPoint server, string request)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(request);
        int viaStart = request.IndexOf("\r\nVia: ", StringComparison.Ordinal) + 2;
        string via = request[viaStart..request.IndexOf("\r\n", viaStart, StringComparison.Ordinal)];
        int at = via.IndexOf("branch=", StringComparison.Ordinal);
        string? branch = at < 0 ? null : via[at..].Split(';')[0]; // the whole line differs: the server adds rport=, received=
        for (int attempt = 0; attempt < 5; attempt++)
        {
            client.Send(bytes, bytes.Length, server);
            try
            {
                for (int stale = 0; stale < 100; stale++)
                {
                    IPEndPoint? from = null;
                    string reply = Encoding.ASCII.GetString(client.Receive(ref from));
                    if (branch is null || reply.Contains(branch + ";", StringComparison.Ordinal) || reply.Contains(branch + "\r\n", StringComparison.Ordinal))
                    {
                        return reply;
                    }
                }
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
            }
        }

        throw new Xunit.Sdk.XunitException("no reply to:\n" + request);
    }

    /// <summary>
    /// The registrar script of the process tests: one worker on 127.0.0.1:<paramref name="port"/>, sl, sipmsgops,
    /// usrloc and registrar, REGISTER saved into "location", then <paramref name="rest"/> (the route's other
    /// statements, indented by the caller).
    /// </summary>
    public static string RegistrarScript(int port, string rest) => $$"""
        socket = udp:127.0.0.1:{{port}}
        udp_workers = 1
        loadmodule "sl.so"
        loadmodule "sipmsgops.so"
        loadmodule "usrloc.so"
        loadmodule "registrar.so"
        route {
            if (is_method("REGISTER")) {
                save("location");
                exit;
            }
        {{rest}}
        }
        """;

    /// <summary>
    /// A REGISTER for user u<paramref name="user"/> (one Call-ID per user, named by <paramref name="callIdPrefix"/>);
    /// with a Contact on port 5000 + user (mod 50000), without one it is a query.
    /// </summary>
    public static string Register(string callIdPrefix, int user, bool withContact, int cseq) =>
        $"REGISTER sip:127.0.0.1 SIP/2.0\r\n"
        + $"Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK-{callIdPrefix}{user}-{cseq}\r\n"
        + $"From: <sip:u{user}@127.0.0.1>;tag=t{user}\r\n"
        + $"To: <sip:u{user}@127.0.0.1>\r\n"
        + $"Call-ID: {callIdPrefix}-{user}@test\r\n"
        + $"CSeq: {cseq} REGISTER\r\n"
        + (withContact ? $"Contact: <sip:u{user}@127.0.0.1:{5000 + (user % 50000)}>\r\nExpires: 3600\r\n" : string.Empty)
        + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
}
