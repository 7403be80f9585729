using Hyperproxy.Hosting;

namespace Hyperproxy.Tests.Docs;

/// <summary>The scripts under examples/ that the README tells a new user to run load and compile cleanly.</summary>
public sealed class ExampleScriptTests
{
    public static TheoryData<string> Examples() => ["edge.cfg", "registrar.cfg"];

    [Theory]
    [MemberData(nameof(Examples))]
    public void AnExampleScriptTheReadmeUsesChecksClean(string name)
    {
        string path = Path.Combine(MarkdownLinkTests.RepositoryRoot(), "examples", name);

        Assert.NotNull(ScriptSetup.TryLoad(path, out var errors));
        Assert.Empty(errors);
    }
}
