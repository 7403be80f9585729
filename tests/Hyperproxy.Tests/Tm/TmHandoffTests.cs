using Hyperproxy.Proxy;
using Hyperproxy.Proxy.Transactions;
using Hyperproxy.Sip;
using static Hyperproxy.Tests.Tm.TmHarness;
using Sent = Hyperproxy.Tests.Proxy.ProxyHarness.Sent;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// CANCEL and ACK that reach another worker than the one owning their INVITE transaction (SO_REUSEPORT hashes by
/// 4-tuple: here they come from another source port than the INVITE) are handed to the owner through the per-pair
/// ring the replies use, and the script runs there. Two workers sharing one hub, each datagram given to the worker
/// the test names, so where each one lands is not left to the kernel.
/// </summary>
public sealed class TmHandoffTests : IDisposable
{
    private static readonly NetAddress UacOtherPort = NetAddress.FromIPv4(127, 0, 0, 9, 40001);
    private readonly ProxyCounters[] _counters = new ProxyCounters[2];
    private readonly TransactionHub _hub = new(2);
    private readonly TmHarness _owner;
    private readonly TmHarness _other;

    public TmHandoffTests()
    {
        _owner = new TmHarness(TmHarness.Script, _hub, 0, _counters);
        _other = new TmHarness(TmHarness.Script, _hub, 1, _counters);
    }

    public void Dispose()
    {
        _owner.Dispose();
        _other.Dispose();
    }

    private Sent RingingCall()
    {
        Sent invite = Assert.Single(_owner.Send(Invite()), s => s.StartLine.StartsWith("INVITE", StringComparison.Ordinal));
        Assert.Equal("SIP/2.0 180 Ringing", Assert.Single(_owner.Send(ResponseTo(invite, 180, "Ringing"), Uas1)).StartLine);
        return invite;
    }

    [Fact]
    public void ACancelOnAnotherWorkerIsHandedToTheOwnerWhichAnswers200AndTheInvite487()
    {
        Sent invite = RingingCall();

        Assert.Empty(_other.Send(Request("CANCEL", "z9hG4bK-c1"), UacOtherPort)); // not answered (nor forwarded) where it landed
        Assert.Equal(1, _counters[1].TmRequestHandoffs);
        Assert.Equal(1, _counters[1].TmHandoffsSent);
        Assert.Equal(0, _owner.Proxy.MillisecondsUntilDue());

        Sent[] atOwner = _owner.Tick(0);
        Assert.Equal(1, _counters[0].TmHandoffsReceived);
        Sent ok = Assert.Single(atOwner, s => s.StartLine.StartsWith("SIP/2.0", StringComparison.Ordinal));
        Assert.Equal("SIP/2.0 200 canceling", ok.StartLine);
        Assert.Equal(UacOtherPort, ok.Destination); // answered where the CANCEL came from (rport)
        Assert.Equal(["1 CANCEL"], ok.Headers("CSeq"));
        Sent cancel = Assert.Single(atOwner, s => s.StartLine.StartsWith("CANCEL", StringComparison.Ordinal));
        Assert.Equal(Uas1, cancel.Destination);
        Assert.Equal(invite.Headers("Via")[0], cancel.Headers("Via")[0]); // the branch's own Via (RFC 3261 §9.1)

        Assert.Empty(_owner.Send(ResponseTo(cancel, 200, "OK"), Uas1));
        Sent[] terminated = _owner.Send(ResponseTo(invite, 487, "Request Terminated"), Uas1);
        Sent up = Assert.Single(terminated, s => s.StartLine.StartsWith("SIP/2.0", StringComparison.Ordinal));
        Assert.Equal("SIP/2.0 487 Request Terminated", up.StartLine);
        Assert.Equal(Uac, up.Destination);
        Assert.Single(terminated, s => s.StartLine.StartsWith("ACK", StringComparison.Ordinal)); // hop by hop to the callee
        Assert.Equal(0, _counters[0].TmRequestHandoffs);
    }

    [Fact]
    public void TheAckOfTheNegativeFinalOnAnotherWorkerIsAbsorbedByTheOwnerAndStopsTimerG()
    {
        Sent invite = RingingCall();
        Sent busy = Assert.Single(_owner.Send(ResponseTo(invite, 404, "Not Found"), Uas1), s => s.StartLine.StartsWith("SIP/2.0", StringComparison.Ordinal));
        Assert.Equal("SIP/2.0 404 Not Found", busy.StartLine);
        long absorbed = _counters[0].AcksAbsorbed;

        // Without the hand-off the other worker would relay this ACK statelessly to the callee.
        Assert.Empty(_other.Send(Request("ACK", "z9hG4bK-c1", toTag: ";tag=uas1"), UacOtherPort));
        Assert.Equal(1, _counters[1].TmRequestHandoffs);
        Assert.Empty(_owner.Tick(0));
        Assert.Equal(absorbed + 1, _counters[0].AcksAbsorbed);

        // Timer G no longer retransmits the 404.
        Assert.DoesNotContain(_owner.Run(4_000), s => s.StartLine.StartsWith("SIP/2.0 404", StringComparison.Ordinal));
    }

    [Fact]
    public void ACancelNoWorkerHoldsATransactionForStaysWhereItLanded()
    {
        RingingCall();
        Assert.Empty(_other.Send(Request("CANCEL", "z9hG4bK-other", callId: "call-2@uac"), UacOtherPort)); // t_check_trans: -1, exit
        Assert.Equal(0, _counters[1].TmRequestHandoffs);
        Assert.Equal(0, _counters[1].TmHandoffsSent);
        Assert.Empty(_owner.Tick(0));
    }

    [Fact]
    public void AHandedOverCancelIsNeverHandedOnAgain()
    {
        // A stale hint: worker 1 holds the INVITE, yet the CANCEL reached worker 0 through the ring (as if worker 0 had
        // held it when the CANCEL was handed over). Worker 0 runs the script on it (t_check_trans: -1) and does not
        // pass it on, so a CANCEL can never circle between workers.
        Assert.Single(_other.Send(Invite()), s => s.StartLine.StartsWith("INVITE", StringComparison.Ordinal));
        byte[] cancel = System.Text.Encoding.ASCII.GetBytes(Request("CANCEL", "z9hG4bK-c1"));
        Assert.True(_hub.Queue(1, 0).TryEnqueue(cancel, UacOtherPort, 0));

        Assert.Empty(_owner.Tick(0));
        Assert.Equal(1, _counters[0].TmHandoffsReceived);
        Assert.Equal(0, _counters[0].TmRequestHandoffs);
        Assert.Equal(0, _counters[0].TmHandoffsSent);
    }
}
