using System.Runtime.CompilerServices;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sip.Tests.Generated;

/// <summary>
/// The generated sources in the tree are what their generators make of the one table today (Kestrel's
/// check of its generated known headers). With HYPERPROXY_REGENERATE=1 the test rewrites them instead.
/// </summary>
public sealed class GeneratedCodeTests
{
    [Fact]
    public void HeaderNamesGeneratedIsUpToDateWithKnownHeaders()
    {
        string path = Path.Combine(RepositoryRoot(), "src", "Hyperproxy.Sip", "Headers", "HeaderNames.Generated.cs");
        string expected = HeaderNamesSource.Generate(KnownHeaders.All);
        if (Environment.GetEnvironmentVariable("HYPERPROXY_REGENERATE") == "1")
        {
            File.WriteAllText(path, expected);
        }

        Assert.True(File.Exists(path), $"{path} is missing; run with HYPERPROXY_REGENERATE=1");
        Assert.True(expected == File.ReadAllText(path).ReplaceLineEndings("\n"),
            $"{path} is stale: KnownHeaders changed; run with HYPERPROXY_REGENERATE=1 and commit the result");
    }

    private static string RepositoryRoot([CallerFilePath] string self = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(self)!, "..", "..", ".."));
}
