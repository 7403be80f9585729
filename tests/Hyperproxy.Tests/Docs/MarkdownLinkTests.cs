using System.Text.RegularExpressions;

namespace Hyperproxy.Tests.Docs;

/// <summary>
/// Every Markdown file in the repository links only inside it: a reader who clones the repository must be able to
/// follow each link. Relative links (and paths written in code spans) must resolve to a file or folder in the tree;
/// absolute paths of a particular machine (/work/..., /home/..., file://...) and paths that climb out of the
/// repository are refused. Web links (http, https, mailto) are fine.
/// </summary>
public sealed partial class MarkdownLinkTests
{
    private static readonly string[] s_machinePrefixes = ["/work/", "/home/", "/root/", "/Users/", "file://", "~/"];

    /// <summary>The checkout: the folder above the test assembly that holds Hyperproxy.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hyperproxy.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Hyperproxy.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Markdown files of the tree, without build output and the ignored benchmark results.</summary>
    public static IEnumerable<string> MarkdownFiles(string root) =>
        Directory.EnumerateFiles(root, "*.md", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar)
                .Any(part => part is "bin" or "obj" or ".git" or "node_modules" or "results" or "build"));

    /// <summary>What is wrong with each link of <paramref name="markdown"/> (a file in <paramref name="folder"/>), if anything.</summary>
    public static IEnumerable<string> Problems(string root, string folder, string markdown)
    {
        foreach (Match m in LinkPattern().Matches(markdown))
        {
            string? problem = Check(root, folder, m.Groups["target"].Value, link: true);
            if (problem is not null)
            {
                yield return problem;
            }
        }

        foreach (Match m in CodeSpanPattern().Matches(markdown))
        {
            string? problem = Check(root, folder, m.Groups["code"].Value, link: false);
            if (problem is not null)
            {
                yield return problem;
            }
        }
    }

    private static string? Check(string root, string folder, string target, bool link)
    {
        target = target.Trim();
        if (target.Length == 0 || target.StartsWith('#') || Regex.IsMatch(target, "^(https?|mailto):", RegexOptions.IgnoreCase))
        {
            return null;
        }

        foreach (string prefix in s_machinePrefixes)
        {
            if (target.StartsWith(prefix, StringComparison.Ordinal) && (link || !target.Contains(' ', StringComparison.Ordinal)))
            {
                return $"'{target}' is a path on one machine, not in the repository";
            }
        }

        if (!link && !target.StartsWith("../", StringComparison.Ordinal))
        {
            return null; // a code span that does not climb: a command, a flag, a runtime path such as ./data
        }

        if (target.Contains(' ', StringComparison.Ordinal) || target.StartsWith('/'))
        {
            return link ? $"'{target}' is not a relative link into the repository" : null;
        }

        string path = target.Split('#')[0];
        string full = Path.GetFullPath(Path.Combine(folder, path));
        if (!full.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal) && full != root)
        {
            return $"'{target}' points outside the repository";
        }

        return !link || File.Exists(full) || Directory.Exists(full) ? null : $"'{target}' does not exist in the repository";
    }

    [Fact]
    public void EveryMarkdownLinkStaysInsideTheRepositoryAndResolves()
    {
        string root = RepositoryRoot();
        var problems = new List<string>();
        foreach (string file in MarkdownFiles(root))
        {
            foreach (string problem in Problems(root, Path.GetDirectoryName(file)!, File.ReadAllText(file)))
            {
                problems.Add($"{Path.GetRelativePath(root, file)}: {problem}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Contains(MarkdownFiles(root), f => f.EndsWith(Path.Combine("docs", "architecture.md"), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("The architecture is in `../shared/DESIGN.md`.", "points outside the repository")]
    [InlineData("See [the design](../shared/DESIGN.md).", "points outside the repository")]
    [InlineData("See `/work/shared/spec/measured-peers.md`.", "a path on one machine")]
    [InlineData("See [notes](/home/me/notes.md).", "a path on one machine")]
    [InlineData("See [the code](src/NoSuchFolder/X.cs).", "does not exist")]
    public void ALinkOutOfTheTreeOrToAMachinePathIsFound(string markdown, string problem)
    {
        string root = RepositoryRoot();
        Assert.Contains(Problems(root, root, markdown), p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("See [the README](README.md), [perf](perf/README.md#top) and [RFC 3327](https://www.rfc-editor.org/rfc/rfc3327).")]
    [InlineData("Run `./run-bench.sh --quick` or `dotnet test`; `--listen udp:[::1]:5060`.")]
    public void LinksIntoTheTreeAndToTheWebPass(string markdown)
    {
        string root = RepositoryRoot();
        Assert.Empty(Problems(root, root, markdown));
    }

    [GeneratedRegex(@"\[[^\]]*\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"`(?<code>[^`\n]+)`")]
    private static partial Regex CodeSpanPattern();
}
