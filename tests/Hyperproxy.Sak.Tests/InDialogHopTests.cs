using System.Globalization;

namespace Hyperproxy.Sak.Tests;

/// <summary>
/// Where hypersak sends ACK and BYE (RFC 3261 §12.2.1.1, §8.1.2): to the first route of the
/// dialog's route set, or to the remote target when it is empty — never blindly to -p. Two real
/// Kamailios: K1 forwards by Request-URI without record-routing (the -p outbound proxy), K2 is
/// the registrar that record-routes the INVITE to the registered hypersak.
/// </summary>
public sealed class InDialogHopTests : IClassFixture<ForwardKamailio>, IClassFixture<UsrlocKamailio>
{
    private readonly ForwardKamailio _outbound;
    private readonly UsrlocKamailio _registrar;

    public InDialogHopTests(ForwardKamailio outbound, UsrlocKamailio registrar)
    {
        _outbound = outbound;
        _registrar = registrar;
    }

    [Fact]
    public void AckAndByeGoToTheRecordRoutingRegistrarNotToTheOutboundProxy()
    {
        string local = Peers.FreeUdpPort().ToString(CultureInfo.InvariantCulture);
        var (code, output, error) = Peers.Sak("-U", "-I", "-l", local, "-p", $"127.0.0.1:{_outbound.Port}", "-s", _registrar.Uri("rrhop"));
        Assert.True(code == 0, output + error);
        string registrar = $"127.0.0.1:{_registrar.Port}";
        Assert.Contains($"\tRoute: <sip:{registrar};lr", output, StringComparison.Ordinal);
        Assert.Contains($"in-dialog requests go to {registrar} (the first route)", output, StringComparison.Ordinal);
        // K2 forwards what it receives from its own socket: the ACK and BYE passed through it, not through K1.
        Assert.Contains($"ACK sent; it reached us from {registrar}", output, StringComparison.Ordinal);
        Assert.Contains($"the BYE reached us from {registrar}", output, StringComparison.Ordinal);
        Assert.Contains("hanging up rrhop ... SIP/2.0 200 OK", output, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutRecordRouteAckAndByeGoToTheRemoteTargetNotToTheOutboundProxy()
    {
        string local = Peers.FreeUdpPort().ToString(CultureInfo.InvariantCulture);
        var (code, output, error) = Peers.Sak("-I", "-l", local, "-p", $"127.0.0.1:{_outbound.Port}", "-s", $"sip:me@127.0.0.1:{local}");
        Assert.True(code == 0, output + error);
        Assert.DoesNotContain("\tRoute:", output, StringComparison.Ordinal);
        Assert.Contains($"in-dialog requests go to 127.0.0.1:{local} (the remote target)", output, StringComparison.Ordinal);
        Assert.Contains($"ACK sent; it reached us from 127.0.0.1:{local}", output, StringComparison.Ordinal);
        Assert.Contains($"the BYE reached us from 127.0.0.1:{local}", output, StringComparison.Ordinal);
    }
}
