using System.Text;
using Hyperproxy.Fuzz.Targets;

namespace Hyperproxy.Tests.Fuzz;

/// <summary>
/// The coverage-guided fuzzing's results as regression tests: every input of the minimised corpus
/// (<c>fuzz/corpus/TARGET</c>, what afl-fuzz found reaching new edges) and every kept crasher
/// (<c>fuzz/crashers/TARGET</c>) runs through the same target code the fuzzer drove (linked from
/// <c>fuzz/Hyperproxy.Fuzz/Targets</c>), and must not throw.
/// </summary>
public sealed class FuzzCorpusTests
{
    private static readonly string s_root = Path.Combine(AppContext.BaseDirectory, "FuzzCorpus");

    public static TheoryData<string> Targets() => new(FuzzTargets.Names);

    [Theory]
    [MemberData(nameof(Targets))]
    public void EveryKeptFuzzInputRunsThroughItsTargetWithoutThrowing(string target)
    {
        var files = new List<string>();
        foreach (string folder in (string[])["corpus", "crashers"])
        {
            string dir = Path.Combine(s_root, folder, target);
            if (Directory.Exists(dir))
            {
                files.AddRange(Directory.EnumerateFiles(dir));
            }
        }

        Assert.True(files.Count > 0, $"no kept inputs for {target} under {s_root}");
        using IFuzzTarget t = FuzzTargets.Create(target);
        foreach (string file in files)
        {
            try
            {
                t.Run(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                Assert.Fail($"{Path.GetRelativePath(s_root, file)}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }
    }

    [Theory]
    [InlineData("MD5", "auth", 200)]
    [InlineData("MD5", "auth-int", 200)]
    [InlineData("MD5-sess", "auth", 200)]
    [InlineData("SHA-256", "auth", 200)]
    [InlineData("SHA-256-sess", "auth", 200)]
    public void DigestTargetFillsInANonceAndResponseThatVerify(string algorithm, string qop, int status)
    {
        using var target = new DigestTarget();

        target.Run(Encoding.ASCII.GetBytes($"Digest username=\"alice\", realm=\"example.com\", nonce=\"@N@\", uri=\"sip:secure.example.com\", "
            + $"response=\"@R@\", algorithm={algorithm}, qop={qop}, nc=00000001, cnonce=\"0a4f113b\""));

        Assert.Equal(status, target.LastStatus);
    }

    [Fact]
    public void DigestTargetIsChallengedAgainForAWrongResponse()
    {
        using var target = new DigestTarget();

        target.Run("Digest username=\"alice\", realm=\"example.com\", nonce=\"@N@\", uri=\"sip:secure.example.com\", response=\"0123456789abcdef0123456789abcdef\", qop=auth, nc=00000001, cnonce=\"c\""u8);

        Assert.Equal(401, target.LastStatus);
    }
}
