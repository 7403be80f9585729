using System.Text;
using Hyperproxy.Testing;

namespace Hyperproxy.Modules.Tests;

/// <summary>The per-message paths of rr and path allocate nothing once warm.</summary>
public sealed class AllocationTests
{
    private static long Allocated(ModuleHarness h, string request, int socket = 0)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(request.ReplaceLineEndings("\r\n"));
        h.Recording = false;
        for (int i = 0; i < 100; i++)
        {
            h.RunBytes(bytes, bytes.Length, socket, ModuleHarness.Uac);
        }

        int rounds = 0;
        long before = h.Forwarded;
        long allocated = Allocations.Least(() =>
        {
            rounds++;
            for (int i = 0; i < 20_000; i++)
            {
                h.RunBytes(bytes, bytes.Length, socket, ModuleHarness.Uac);
            }
        });

        // A loop that failed early (no route taken, nothing written) would allocate nothing too.
        Assert.Equal(rounds * 20_000L, h.Forwarded - before);
        return allocated;
    }

    [Fact]
    public void LooseRouteOnAThreeRouteByeAllocatesNothing()
    {
        var h = new ModuleHarness("route {\n if (loose_route()) { if (is_direction(\"upstream\") || check_route_param(\"nat=yes\")) { forward(); exit; } forward(); }\n}\n");
        string bye = Requests.Make("BYE", "sip:alice@127.0.0.9:40000",
            ["<sip:127.0.0.1;lr;ftag=abc;nat=yes>,<sip:127.0.0.2:5070;lr>", "<sip:127.0.0.3:5080;lr>"], toTag: "x");
        Assert.Equal(0, Allocated(h, bye));
    }

    [Fact]
    public void RecordRouteDoubleAndPathAllocateNothing()
    {
        var h = new ModuleHarness("route {\n add_rr_param(\";a=1\"); record_route(\";nat=yes\"); add_path_received(\"x\"); forward(\"[::2]:5070\");\n}\n");
        Assert.Equal(0, Allocated(h, Requests.Invite()));
    }
}
