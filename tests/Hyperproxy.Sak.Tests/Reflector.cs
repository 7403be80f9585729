using System.Diagnostics;

namespace Hyperproxy.Sak.Tests;

/// <summary>The C reflector from native/: the built one if present, else built once into /tmp.</summary>
internal static class Reflector
{
    private static readonly Lazy<string> s_path = new(Find);

    public static string Path => s_path.Value;

    private static string Find()
    {
        string inTree = System.IO.Path.Combine(Peers.RepoRoot, "native", "build", "reflector");
        if (File.Exists(inTree))
            return inTree;
        string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hypersak-native-build");
        string built = System.IO.Path.Combine(dir, "reflector");
        if (!File.Exists(built))
        {
            var configure = Peers.Exec("cmake", $"-S {System.IO.Path.Combine(Peers.RepoRoot, "native")} -B {dir}", 120_000);
            if (configure.Code != 0)
                throw new InvalidOperationException("cmake configure failed: " + configure.Err);
            var build = Peers.Exec("cmake", $"--build {dir}", 120_000);
            if (build.Code != 0)
                throw new InvalidOperationException("cmake build failed: " + build.Err);
        }
        Debug.Assert(File.Exists(built));
        return built;
    }
}
