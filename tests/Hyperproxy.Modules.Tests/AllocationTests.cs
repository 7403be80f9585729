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

        return Allocations.Least(() =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                h.RunBytes(bytes, bytes.Length, socket, ModuleHarness.Uac);
            }
        });
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
