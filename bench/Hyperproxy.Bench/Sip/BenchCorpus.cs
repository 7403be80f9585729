namespace Hyperproxy.Bench.Sip;

/// <summary>Finds tests/Corpus: next to the assembly (copied by the csproj), under $HYPERPROXY_CORPUS, or up the tree.</summary>
internal static class BenchCorpus
{
    public static byte[] Load(string name) => File.ReadAllBytes(Path.Combine(Directory(), name));

    private static string Directory()
    {
        string? env = Environment.GetEnvironmentVariable("HYPERPROXY_CORPUS");
        if (!string.IsNullOrEmpty(env))
        {
            return env;
        }

        string local = Path.Combine(AppContext.BaseDirectory, "Corpus");
        if (System.IO.Directory.Exists(local))
        {
            return local;
        }

        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "tests", "Corpus");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/Corpus not found; set HYPERPROXY_CORPUS.");
    }
}
