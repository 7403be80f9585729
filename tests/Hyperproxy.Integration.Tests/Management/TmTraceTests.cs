using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests.Management;

/// <summary>
/// tracer scope t with tm, as OpenSIPS's tracer does: the messages tm generates itself for a traced transaction — the
/// ACK of a negative final, the CANCELs it sends, the 408 of a timer, the 503 of a full table — and the requests it
/// originates (MI t_uac_dlg, traced while tracing is on) reach the HEP capture; decoded here independently.
/// </summary>
public sealed class TmTraceTests
{
    private static string Script(int hepPort) =>
        "loadmodule \"sl.so\"\nloadmodule \"sipmsgops.so\"\nloadmodule \"tm.so\"\nloadmodule \"httpd.so\"\nloadmodule \"mi_http.so\"\nloadmodule \"statistics.so\"\n"
        + "loadmodule \"tracer.so\"\nloadmodule \"proto_hep.so\"\n"
        + "modparam(\"httpd\", \"port\", 0)\n"
        + $"modparam(\"proto_hep\", \"hep_id\", \"[homer] 127.0.0.1:{hepPort}; transport=udp; version=3\")\n"
        + "modparam(\"tracer\", \"trace_id\", \"[h]uri=hep:homer\")\n"
        + "modparam(\"tm\", \"fr_timeout\", 1)\nmodparam(\"tm\", \"fr_inv_timeout\", 10)\nmodparam(\"tm\", \"max_transactions\", 16)\n"
        + "route {\n  trace(\"h\", \"t\");\n  if (is_method(\"CANCEL\")) { if (t_check_trans()) t_relay(); exit; }\n  t_relay();\n}\n";

    [Fact]
    public async Task TmsOwnAckCancelTimeoutFullTableAndUacRequestsAreTracedToHep()
    {
        int hepPort = Ports.FreeUdpPort();
        using var capture = new UdpClient(new IPEndPoint(IPAddress.Loopback, hepPort));
        await using ManagedServer s = await ManagedServer.StartAsync(Script(hepPort), workers: 1);
        using var caller = UdpPeer.V4();
        using var callee = UdpPeer.V4();
        using var silent = UdpPeer.V4();
        var proxy = new IPEndPoint(IPAddress.Loopback, s.SipPort);
        TimeSpan wait = ManagedServer.Bound;

        // 1. A negative final: tm ACKs it downstream.
        string busyCall = SipText.NewCallId();
        caller.Send(SipText.Request("INVITE", $"sip:busy@127.0.0.1:{callee.Port}", caller, SipText.NewBranch(), busyCall), proxy);
        string invite = await ExpectRequestAsync(callee, "INVITE", wait);
        callee.Send(SipText.ResponseTo(invite, 486, "Busy Here"), proxy);
        Assert.StartsWith("ACK ", await ExpectRequestAsync(callee, "ACK", wait), StringComparison.Ordinal);

        // 2. The caller cancels after a 180: tm CANCELs the branch.
        string cancelCall = SipText.NewCallId();
        string branch = SipText.NewBranch();
        string ringing = SipText.Request("INVITE", $"sip:ring@127.0.0.1:{callee.Port}", caller, branch, cancelCall);
        caller.Send(ringing, proxy);
        invite = await ExpectRequestAsync(callee, "INVITE", wait);
        callee.Send(SipText.ResponseTo(invite, 180, "Ringing"), proxy);
        caller.Send(SipText.Request("CANCEL", $"sip:ring@127.0.0.1:{callee.Port}", caller, branch, cancelCall), proxy);
        string cancel = await ExpectRequestAsync(callee, "CANCEL", wait);
        callee.Send(SipText.ResponseTo(cancel, 200, "OK"), proxy);
        callee.Send(SipText.ResponseTo(invite, 487, "Request Terminated"), proxy);

        // 3. No answer at all: fr_timeout's 408 comes from a timer.
        string timeoutCall = SipText.NewCallId();
        caller.Send(SipText.Request("OPTIONS", $"sip:nobody@127.0.0.1:{silent.Port}", caller, SipText.NewBranch(), timeoutCall), proxy);

        // 4. A request the proxy originates (MI t_uac_dlg) while tracing is on.
        Task<JsonNode?> uac = s.MiAsync("t_uac_dlg", new JsonObject
        {
            ["method"] = "MESSAGE",
            ["ruri"] = $"sip:uac@127.0.0.1:{callee.Port}",
            ["headers"] = "From: <sip:mi@hyperproxy.test>\r\nTo: <sip:uac@127.0.0.1>\r\nContent-Type: text/plain\r\n",
            ["body"] = "traced",
        });
        string message = await ExpectRequestAsync(callee, "MESSAGE", wait);
        callee.Send(SipText.ResponseTo(message, 200, "OK"), proxy);
        Assert.Equal("200 OK", (string)(await uac)!["Status"]!);

        // 5. A full table (16 transactions): the next request gets tm's 503.
        for (int i = 0; i < 20; i++)
            caller.Send(SipText.Request("OPTIONS", $"sip:fill{i}@127.0.0.1:{silent.Port}", caller, SipText.NewBranch(), SipText.NewCallId()), proxy);

        var seen = new List<(string First, int From, int To, bool Ok)>();
        using var cts = new CancellationTokenSource(wait);
        bool Has(string start, int from, int to) => seen.Exists(x => x.First.StartsWith(start, StringComparison.Ordinal) && x.From == from && x.To == to);
        while (!(Has("ACK ", s.SipPort, callee.Port) && Has("CANCEL ", s.SipPort, callee.Port) && Has("SIP/2.0 408", s.SipPort, caller.Port)
            && Has("MESSAGE ", s.SipPort, callee.Port) && Has("SIP/2.0 200", callee.Port, s.SipPort) && Has("SIP/2.0 503", s.SipPort, caller.Port)))
        {
            UdpReceiveResult r;
            try
            {
                r = await capture.ReceiveAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail("not every tm message was traced; seen:\n" + string.Join("\n", seen.Select(x => $"{x.From}->{x.To} {x.First}")));
                throw;
            }

            Dictionary<int, byte[]> chunks = Decode(r.Buffer);
            string payload = Encoding.ASCII.GetString(chunks[0x0f]);
            seen.Add((payload.Split("\r\n")[0], BinaryPrimitives.ReadUInt16BigEndian(chunks[0x07]), BinaryPrimitives.ReadUInt16BigEndian(chunks[0x08]),
                chunks[0x11].Length > 0));
        }

        Assert.All(seen, x => Assert.True(x.Ok, "a HEP packet without a correlation id"));
        Assert.Equal(1, await s.StatAsync("tm:UAC_transactions"));
    }

    /// <summary>The next request of <paramref name="method"/> at <paramref name="peer"/> (replies and other requests skipped).</summary>
    private static async Task<string> ExpectRequestAsync(UdpPeer peer, string method, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while (DateTime.UtcNow < deadline)
        {
            (string Text, IPEndPoint From)? got = await peer.ReceiveAsync(deadline - DateTime.UtcNow);
            if (got is { } g && g.Text.StartsWith(method + " ", StringComparison.Ordinal))
                return g.Text;
        }

        Assert.Fail($"no {method} reached {peer.SentBy}");
        return "";
    }

    private static Dictionary<int, byte[]> Decode(byte[] packet)
    {
        Assert.Equal("HEP3", Encoding.ASCII.GetString(packet, 0, 4));
        Assert.Equal(packet.Length, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(4)));
        var chunks = new Dictionary<int, byte[]>();
        for (int at = 6; at < packet.Length;)
        {
            int type = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(at + 2));
            int length = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(at + 4));
            Assert.InRange(length, 6, packet.Length - at);
            chunks[type] = packet.AsSpan(at + 6, length - 6).ToArray();
            at += length;
        }

        return chunks;
    }
}
