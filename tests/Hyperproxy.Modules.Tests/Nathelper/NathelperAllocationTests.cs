using System.Text;
using Hyperproxy.Sip;
using Hyperproxy.Testing;

namespace Hyperproxy.Modules.Tests.Nathelper;

/// <summary>nathelper's and outbound's per-message paths allocate nothing once warm.</summary>
public sealed class NathelperAllocationTests
{
    private static long Allocated(ModuleHarness h, string request, NetAddress from)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(request.ReplaceLineEndings("\r\n"));
        h.Recording = false;
        for (int i = 0; i < 100; i++)
        {
            h.RunBytes(bytes, bytes.Length, 0, from);
        }

        int rounds = 0;
        long before = h.Forwarded;
        long allocated = Allocations.Least(() =>
        {
            rounds++;
            for (int i = 0; i < 20_000; i++)
            {
                h.RunBytes(bytes, bytes.Length, 0, from);
            }
        });

        Assert.Equal(rounds * 20_000L, h.Forwarded - before);
        return allocated;
    }

    [Fact]
    public void NatTestsAndFixesAllocateNothing()
    {
        var h = new ModuleHarness("loadmodule \"nathelper.so\"\nroute {\n if (nat_uac_test(\"127\") && is_rfc1918(\"10.1.2.3\")) {\n"
            + "  fix_nated_contact(\";nat=yes\"); fix_nated_sdp(\"rewrite-media-ip,rewrite-origin-ip,add-no-rtpproxy\"); fix_nated_register(); add_rcv_param();\n }\n"
            + " forward(\"127.0.0.2:5070\");\n}\n", "modparam(\"nathelper\", \"received_avp\", \"$avp(rcv)\")");
        string sdp = "v=0\r\no=a 1 1 IN IP4 192.168.1.10\r\ns=-\r\nc=IN IP4 192.168.1.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
        string invite = Requests.Make("INVITE", "sip:bob@127.0.0.2:5070", extra: "Contact: <sip:alice@192.168.1.10:5062;maddr=10.0.0.1>\nContent-Type: application/sdp")
            .Replace("Content-Length: 0\n\n", "Content-Length: " + sdp.Length + "\n\n" + sdp.Replace("\r\n", "\n"), StringComparison.Ordinal);
        Assert.Equal(0, Allocated(h, invite, NetAddress.FromIPv4(127, 0, 0, 7, 4321)));
    }

    [Fact]
    public void OutboundPathTokenAndFlowRoutingAllocateNothing()
    {
        var h = new ModuleHarness("loadmodule \"outbound.so\"\nroute {\n if (is_method(\"REGISTER\")) { add_path(); forward(\"127.0.0.2:5070\"); exit; }\n"
            + " loose_route(); forward();\n}\n");
        NetAddress flow = NetAddress.FromIPv4(127, 0, 0, 7, 4321);
        string register = "REGISTER sip:example.com SIP/2.0\nVia: SIP/2.0/UDP 192.168.1.10:5062;branch=z9hG4bK-r1\nMax-Forwards: 70\n"
            + "From: <sip:a@example.com>;tag=f1\nTo: <sip:a@example.com>\nCall-ID: r1@ua\nCSeq: 1 REGISTER\n"
            + "Contact: <sip:a@192.168.1.10:5062;ob>;+sip.instance=\"<urn:uuid:1>\";reg-id=1\nSupported: outbound, path\nContent-Length: 0\n\n";
        Assert.Equal(0, Allocated(h, register, flow));

        h.Recording = true;
        string path = Assert.Single(Assert.Single(h.Run(register, from: flow)).Headers("Path"));
        Assert.Equal(0, Allocated(h, Requests.Make("INVITE", "sip:a@192.168.1.10:5062", [path]), NetAddress.FromIPv4(127, 0, 0, 2, 5070)));
    }
}
