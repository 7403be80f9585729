using System.Text;

namespace Hyperproxy.Sip.Tests;

/// <summary>Loads messages of the shared corpus (tests/Corpus, copied next to the test assembly).</summary>
internal static class Corpus
{
    public static byte[] Load(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Corpus", name));

    public static string[] Names(string folder)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "Corpus", folder);
        string[] files = Directory.GetFiles(dir, "*.sip");
        Array.Sort(files, StringComparer.Ordinal);
        for (int i = 0; i < files.Length; i++)
        {
            files[i] = Path.GetRelativePath(Path.Combine(AppContext.BaseDirectory, "Corpus"), files[i]);
        }

        return files;
    }

    /// <summary>A message written with \n line ends in the test, sent with CRLF.</summary>
    public static byte[] Crlf(string text) => Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n").Replace("\n", "\r\n"));

    public static SipMessage Parse(byte[] bytes)
    {
        var m = new SipMessage();
        SipError e = m.Parse(bytes, 0, bytes.Length);
        Assert.True(e == SipError.None, $"parse failed: {e} at {m.ErrorOffset}");
        return m;
    }

    public static string Text(this SipMessage m, TextRange r) => Encoding.UTF8.GetString(m.Span(r));
}
