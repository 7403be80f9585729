using System.Text;

namespace Hyperproxy.Tests.Dispatcher;

/// <summary>A db_text directory holding one <c>dispatcher</c> table in OpenSIPS's format (version 9 columns); deleted on dispose.</summary>
internal sealed class DispatcherTable : IDisposable
{
    public const string Header = "id(int,auto) setid(int) destination(string) socket(string,null) state(int) probe_mode(int) weight(string) priority(int) attrs(string,null) description(string,null)";

    public DispatcherTable(params Row[] rows)
        : this(Render(rows))
    {
    }

    public DispatcherTable(string text)
    {
        Directory = Path.Combine(Path.GetTempPath(), "hp-ds-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Write(text);
    }

    public string Directory { get; }

    public string File => Path.Combine(Directory, "dispatcher");

    public string DbUrl => "text://" + Directory;

    public void Write(string text) => System.IO.File.WriteAllText(File, text);

    public void Write(params Row[] rows) => Write(Render(rows));

    public static string Render(Row[] rows)
    {
        var b = new StringBuilder(Header).Append('\n');
        int id = 1;
        foreach (Row r in rows)
        {
            b.Append(id++).Append(':').Append(r.Set).Append(':').Append(r.Uri.Replace(":", "\\:", StringComparison.Ordinal)).Append("::")
                .Append(r.State).Append(':').Append(r.ProbeMode).Append(':').Append(r.Weight).Append(':').Append(r.Priority).Append(':')
                .Append(r.Attrs.Replace(":", "\\:", StringComparison.Ordinal)).Append(':').Append(r.Description).Append('\n');
        }

        return b.ToString();
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    internal sealed record Row(int Set, string Uri, int State = 0, int Weight = 1, int Priority = 0, string Attrs = "", int ProbeMode = 0, string Description = "");
}
