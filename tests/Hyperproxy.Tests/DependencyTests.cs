using System.Reflection;
using Hyperproxy.Proxy;
using Hyperproxy.Sip;

namespace Hyperproxy.Tests;

/// <summary>The project graph reads Transport → Sip, Script → Sip, Modules → Script → Sip; the proxy core is a library.</summary>
public sealed class DependencyTests
{
    private static IEnumerable<string> References(string assembly)
    {
        foreach (AssemblyName name in Assembly.Load(assembly).GetReferencedAssemblies())
        {
            yield return name.Name!;
        }
    }

    [Theory]
    [InlineData("Hyperproxy.Script")]
    [InlineData("Hyperproxy.Modules")]
    [InlineData("Hyperproxy.Location")]
    public void ScriptModulesAndLocationDoNotDependOnTransport(string assembly)
    {
        Assert.DoesNotContain("Hyperproxy.Transport", References(assembly));
    }

    [Fact]
    public void TransportDependsOnSipForItsAddressType()
    {
        Assert.Equal("Hyperproxy.Sip", typeof(NetAddress).Assembly.GetName().Name);
        Assert.Contains("Hyperproxy.Sip", References("Hyperproxy.Transport"));
    }

    [Fact]
    public void TheProxyCoreIsALibraryWithoutTheExecutable()
    {
        Assert.Equal("Hyperproxy.Proxy", typeof(StatelessProxy).Assembly.GetName().Name);
        Assert.DoesNotContain("hyperproxy", References("Hyperproxy.Proxy"));
    }
}
