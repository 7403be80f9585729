using System.Reflection;
using System.Runtime.InteropServices;

namespace Hyperproxy.Hosting;

/// <summary>The version line printed by <c>hyperproxy version</c> and logged at start-up.</summary>
public static class VersionInfo
{
    public static string Version =>
        typeof(VersionInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
        ?? "0.0.0";

    public static string Describe() =>
        $"hyperproxy {Version} ({RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, "
        + $"{RuntimeInformation.ProcessArchitecture}, {Environment.ProcessorCount} CPUs)";
}
