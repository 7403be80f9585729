namespace Hyperproxy.Sak.Tests;

/// <summary>The server the hypersak tests start is the one built with them, not a stale build of another configuration.</summary>
public sealed class ServerBinaryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hp-binary-").FullName;

    [Fact]
    public void TheseTestsRunAgainstTheirOwnConfiguration() =>
        Assert.Contains(HyperproxyPeer.TestConfiguration, new[] { "Debug", "Release" });

    [Fact]
    public void AReleaseTestRunTakesTheReleaseServerEvenWhenAStaleDebugOneExists()
    {
        string debug = Touch("src", "Hyperproxy", "bin", "Debug", "net10.0", "hyperproxy");
        string release = Touch("src", "Hyperproxy", "bin", "Release", "net10.0", "hyperproxy");
        string baseDir = Path.Combine(_root, "tests", "Hyperproxy.Sak.Tests", "bin", "Release", "net10.0");
        Assert.Equal(release, HyperproxyPeer.Binary(baseDir, _root, "Release"));
        Assert.Equal(debug, HyperproxyPeer.Binary(baseDir.Replace("Release", "Debug", StringComparison.Ordinal), _root, "Debug"));
    }

    [Fact]
    public void AReleaseTestRunWithOnlyADebugServerFailsInsteadOfTestingIt()
    {
        Touch("src", "Hyperproxy", "bin", "Debug", "net10.0", "hyperproxy");
        string baseDir = Path.Combine(_root, "tests", "Hyperproxy.Sak.Tests", "bin", "Release", "net10.0");
        var e = Assert.Throws<FileNotFoundException>(() => HyperproxyPeer.Binary(baseDir, _root, "Release"));
        Assert.Contains("(Release)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheArtifactsLayoutIsReadInTheSameConfiguration()
    {
        Touch("bin", "Hyperproxy", "debug", "hyperproxy");
        string release = Touch("bin", "Hyperproxy", "release", "hyperproxy");
        string baseDir = Path.Combine(_root, "bin", "Hyperproxy.Sak.Tests", "release");
        Assert.Equal(release, HyperproxyPeer.Binary(baseDir, _root, "Release"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Touch(params string[] parts)
    {
        string path = Path.Combine([_root, .. parts]);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
        return path;
    }
}
