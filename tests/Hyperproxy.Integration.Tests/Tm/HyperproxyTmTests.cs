namespace Hyperproxy.Integration.Tests.Tm;

/// <summary>The tm scenarios against Hyperproxy running Scenarios/Tm/hyperproxy-tm.cfg (OpenSIPS 3.x syntax).</summary>
public sealed class HyperproxyTmTests : TmScenarioTests
{
    private protected override Task<ITmProxy> StartProxyAsync(string folder, int callee2Port) =>
        HyperproxyTmProxy.StartAsync(folder, callee2Port);
}
