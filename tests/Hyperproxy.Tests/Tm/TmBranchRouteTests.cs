using Hyperproxy.Sip;
using static Hyperproxy.Tests.Tm.TmHarness;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// A branch_route runs on a copy of the request for its branch (OpenSIPS/Kamailio): the headers it adds or removes, the
/// Request-URI and <c>$du</c> it sets go into that branch only, never into the next branch or back into the route that
/// called t_relay.
/// </summary>
public sealed class TmBranchRouteTests
{
    private const string Fork = Head + "loadmodule \"rr.so\"\n"
        + "route {\n  record_route();\n  append_hf(\"X-Main: 1\\r\\n\");\n  $du = \"sip:127.0.0.2:5070\";\n"
        + "  append_branch(\"sip:carol@127.0.0.3:5070\");\n  t_on_branch(\"per\");\n  t_relay();\n"
        + "  append_hf(\"X-After: $T_branch_idx\\r\\n\");\n}\n";

    [Fact]
    public void EveryParallelBranchSeesOnlyTheHeaderItsOwnBranchRouteAdded()
    {
        using var tm = new TmHarness(Fork + "branch_route[per] {\n  append_hf(\"X-Branch: $T_branch_idx\\r\\n\");\n}\n");
        Sent[] sent = tm.Send(Invite());
        Assert.Equal(3, sent.Length);
        Sent first = Assert.Single(sent, s => s.Destination == Uas1);
        Sent second = Assert.Single(sent, s => s.Destination == Uas2);
        Assert.Equal(["0"], first.Headers("X-Branch"));
        Assert.Equal(["1"], second.Headers("X-Branch"));
        foreach (Sent branch in new[] { first, second })
        {
            Assert.Equal(["1"], branch.Headers("X-Main"));
            Assert.Single(branch.Headers("Record-Route"));
            Assert.Equal(2, branch.Headers("Via").Count);
            Assert.Empty(branch.Headers("X-After"));
        }
    }

    [Fact]
    public void AHeaderRemovedOrAUriSetInOneBranchRouteStaysInThatBranch()
    {
        using var tm = new TmHarness(Fork + "branch_route[per] {\n  if ($T_branch_idx == 0) {\n"
            + "    remove_hf(\"Contact\");\n    $ru = \"sip:dave@example.net\";\n    $du = \"sip:127.0.0.4:5070\";\n  }\n}\n");
        Sent[] sent = tm.Send(Invite());
        Assert.Equal(3, sent.Length);
        Sent first = Assert.Single(sent, s => s.Destination == NetAddress.FromIPv4(127, 0, 0, 4, 5070));
        Assert.Equal("INVITE sip:dave@example.net SIP/2.0", first.StartLine);
        Assert.Empty(first.Headers("Contact"));
        Sent second = Assert.Single(sent, s => s.Destination == Uas2);
        Assert.Equal("INVITE sip:carol@127.0.0.3:5070 SIP/2.0", second.StartLine);
        Assert.Equal(["<sip:alice@127.0.0.9:40000>"], second.Headers("Contact"));
    }

    [Fact]
    public void ABranchRouteChangeOnTheLastBranchDoesNotReachTheNextSerialBranch()
    {
        using var tm = new TmHarness(Head + "route {\n  $du = \"sip:127.0.0.2:5070\";\n  t_on_branch(\"per\");\n  t_on_failure(\"next\");\n  t_relay();\n}\n"
            + "branch_route[per] {\n  append_hf(\"X-Branch: $T_branch_idx\\r\\n\");\n  if ($T_branch_idx == 0) { $ru = \"sip:first@example.net\"; remove_hf(\"Contact\"); }\n}\n"
            + "failure_route[next] {\n  $du = \"sip:127.0.0.3:5070\";\n  t_on_branch(\"per\");\n  t_relay();\n}\n");
        Sent[] sent = tm.Send(Invite());
        Sent first = Assert.Single(sent, s => s.Destination == Uas1);
        Assert.Equal("INVITE sip:first@example.net SIP/2.0", first.StartLine);
        Assert.Equal(["0"], first.Headers("X-Branch"));
        Sent[] next = tm.Send(ResponseTo(first, 486, "Busy Here"), Uas1);
        Sent second = Assert.Single(next, s => s.Destination == Uas2);
        Assert.Empty(first.Headers("Contact"));
        Assert.Equal(["1"], second.Headers("X-Branch"));
        Assert.Equal(2, second.Headers("Via").Count);
        Assert.Equal("INVITE sip:first@example.net SIP/2.0", second.StartLine); // the failure_route's R-URI is the branch's (OpenSIPS)
        Assert.Equal(["<sip:alice@127.0.0.9:40000>"], second.Headers("Contact"));
    }

    [Fact]
    public void DropInABranchRouteSkipsOnlyThatBranchAndTheNextTakesItsIndex()
    {
        using var tm = new TmHarness(Fork + "branch_route[per] {\n  append_hf(\"X-Branch: $T_branch_idx\\r\\n\");\n"
            + "  if ($ru == \"sip:bob@example.com\") { drop; }\n}\n");
        Sent[] sent = tm.Send(Invite());
        Assert.Equal(2, sent.Length);
        Assert.Equal("SIP/2.0 100 Giving it a try", sent[0].StartLine);
        Sent second = Assert.Single(sent, s => s.Destination == Uas2);
        Assert.Equal(["0"], second.Headers("X-Branch")); // a dropped branch is not created: its index goes to the next (OpenSIPS)
        Assert.Equal(1, tm.Table.Count);
    }

    [Fact]
    public void AnRrParamAddedInOneBranchRouteStaysInThatBranchAndARecordRouteThereIsThatBranchsOnly()
    {
        using var tm = new TmHarness(Head + "loadmodule \"rr.so\"\n"
            + "route {\n  record_route();\n  $du = \"sip:127.0.0.2:5070\";\n"
            + "  append_branch(\"sip:carol@127.0.0.3:5070\");\n  append_branch(\"sip:dave@127.0.0.4:5070\");\n  t_on_branch(\"per\");\n  t_relay();\n}\n"
            + "branch_route[per] {\n  if ($T_branch_idx == 0) { add_rr_param(\";first=1\"); }\n}\n");
        Sent[] sent = tm.Send(Invite());
        Sent first = Assert.Single(sent, s => s.Destination == Uas1);
        Sent second = Assert.Single(sent, s => s.Destination == Uas2);
        Assert.Contains(";first=1", Assert.Single(first.Headers("Record-Route")), StringComparison.Ordinal);
        Assert.DoesNotContain(";first=1", Assert.Single(second.Headers("Record-Route")), StringComparison.Ordinal);

        using var late = new TmHarness(Head + "loadmodule \"rr.so\"\n"
            + "route {\n  $du = \"sip:127.0.0.2:5070\";\n"
            + "  append_branch(\"sip:carol@127.0.0.3:5070\");\n  t_on_branch(\"per\");\n  t_relay();\n}\n"
            + "branch_route[per] {\n  if ($T_branch_idx == 0) { record_route(); }\n}\n");
        Sent[] forked = late.Send(Invite());
        Assert.Single(Assert.Single(forked, s => s.Destination == Uas1).Headers("Record-Route"));
        Assert.Empty(Assert.Single(forked, s => s.Destination == Uas2).Headers("Record-Route"));
    }
}
