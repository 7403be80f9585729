using System.Text;

namespace Hyperproxy.Modules.DbText;

/// <summary>
/// One table of OpenSIPS's <c>db_text</c> database, read whole at start-up: line 1 declares the columns
/// (<c>name(type[,attr])</c> separated by spaces; types by first letter: int, long, double, str/string, blob,
/// datetime; attributes <c>auto</c> and <c>null</c>), every further line is a row of <c>:</c>-separated fields
/// (empty = NULL; escapes <c>\n \r \t \\ \: \0</c>). A row that breaks the rules stops loading with
/// <c>file:line: why</c> (<see cref="DbTextException"/>). Values are kept as bytes (strings) or longs.
/// </summary>
public sealed class DbTextTable
{
    private readonly DbTextColumn[] _columns;
    private readonly List<byte[]?[]> _rows;
    private readonly List<int> _lines;

    private DbTextTable(string name, string path, DbTextColumn[] columns, List<byte[]?[]> rows, List<int> lines)
    {
        _lines = lines;
        Name = name;
        Path = path;
        _columns = columns;
        _rows = rows;
    }

    public string Name { get; }

    public string Path { get; }

    public IReadOnlyList<DbTextColumn> Columns => _columns;

    public int RowCount => _rows.Count;

    /// <summary>The index of a column (case-insensitive), or -1.</summary>
    public int ColumnIndex(string name)
    {
        for (int i = 0; i < _columns.Length; i++)
        {
            if (string.Equals(_columns[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A field of a row as its text bytes (null for NULL); integers are their decimal text.</summary>
    public byte[]? Field(int row, int column) => _rows[row][column];

    /// <summary>The line of the file a row was read from (for <c>file:line</c> messages of the modules using the table).</summary>
    public int Line(int row) => _lines[row];

    /// <summary>A table built from rows read some other way (a module's own list format), each with its source line.</summary>
    public static DbTextTable FromRows(string name, string path, IReadOnlyList<DbTextColumn> columns, List<byte[]?[]> rows, List<int> lines) =>
        new(name, path, [.. columns], rows, lines);

    /// <summary>Reads <paramref name="directory"/>/<paramref name="name"/>; throws <see cref="DbTextException"/> with file:line.</summary>
    public static DbTextTable Load(string directory, string name)
    {
        string path = System.IO.Path.Combine(directory, name);
        if (!File.Exists(path))
        {
            throw new DbTextException($"{path}: no such db_text table file (table '{name}' in {directory})");
        }

        return Parse(name, path, File.ReadAllBytes(path));
    }

    /// <summary>Parses the bytes of a table file (<paramref name="path"/> is for messages).</summary>
    public static DbTextTable Parse(string name, string path, ReadOnlySpan<byte> text)
    {
        int line = 0;
        int pos = 0;
        DbTextColumn[]? columns = null;
        var rows = new List<byte[]?[]>();
        var lines = new List<int>();
        var autoNext = new long[64];
        while (pos < text.Length)
        {
            int end = text[pos..].IndexOf((byte)'\n');
            ReadOnlySpan<byte> l = end < 0 ? text[pos..] : text.Slice(pos, end);
            pos = end < 0 ? text.Length : pos + end + 1;
            line++;
            if (!l.IsEmpty && l[^1] == '\r')
            {
                l = l[..^1];
            }

            if (columns is null)
            {
                columns = ParseHeader(path, line, l);
                if (columns.Length > autoNext.Length)
                {
                    throw new DbTextException($"{path}:{line}: more than {autoNext.Length} columns");
                }

                continue;
            }

            if (l.IsEmpty)
            {
                continue;
            }

            rows.Add(ParseRow(path, line, l, columns, autoNext));
            lines.Add(line);
        }

        if (columns is null)
        {
            throw new DbTextException($"{path}:1: empty file (line 1 must declare the columns)");
        }

        // auto columns left NULL get max+1 in file order (db_text's rule), after every row was read.
        for (int c = 0; c < columns.Length; c++)
        {
            if (!columns[c].Auto)
            {
                continue;
            }

            long next = autoNext[c];
            foreach (byte[]?[] row in rows)
            {
                if (row[c] is null)
                {
                    row[c] = Encoding.ASCII.GetBytes((++next).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        return new DbTextTable(name, path, columns, rows, lines);
    }

    private static DbTextColumn[] ParseHeader(string path, int line, ReadOnlySpan<byte> l)
    {
        var list = new List<DbTextColumn>();
        foreach (Range r in l.Split((byte)' '))
        {
            ReadOnlySpan<byte> def = l[r].Trim((byte)'\t');
            if (def.IsEmpty)
            {
                continue;
            }

            int open = def.IndexOf((byte)'(');
            if (open <= 0 || def[^1] != ')')
            {
                throw new DbTextException($"{path}:{line}: column definition '{Encoding.UTF8.GetString(def)}' is not name(type[,attr])");
            }

            string colName = Encoding.UTF8.GetString(def[..open]);
            string inside = Encoding.UTF8.GetString(def[(open + 1)..^1]);
            string[] parts = inside.Split(',', StringSplitOptions.TrimEntries);
            DbTextType type = parts[0].Length == 0 ? DbTextType.Unknown : char.ToLowerInvariant(parts[0][0]) switch
            {
                'i' => DbTextType.Int,
                'l' => DbTextType.Long,
                'd' => DbTextType.Double,
                's' => DbTextType.String,
                'b' => DbTextType.Blob,
                't' => DbTextType.DateTime,
                _ => DbTextType.Unknown,
            };
            if (type == DbTextType.Unknown)
            {
                throw new DbTextException($"{path}:{line}: column '{colName}' has unknown type '{parts[0]}' (int, long, double, string, blob, datetime)");
            }

            bool auto = false, nullable = false;
            for (int i = 1; i < parts.Length; i++)
            {
                if (parts[i].Equals("auto", StringComparison.OrdinalIgnoreCase))
                {
                    auto = true;
                }
                else if (parts[i].Equals("null", StringComparison.OrdinalIgnoreCase))
                {
                    nullable = true;
                }
                else
                {
                    throw new DbTextException($"{path}:{line}: column '{colName}' has unknown attribute '{parts[i]}' (auto, null)");
                }
            }

            if (auto && type is not (DbTextType.Int or DbTextType.Long))
            {
                throw new DbTextException($"{path}:{line}: column '{colName}': auto needs an int or long column");
            }

            list.Add(new DbTextColumn(colName, type, auto, nullable));
        }

        if (list.Count == 0)
        {
            throw new DbTextException($"{path}:{line}: line 1 must declare the columns (name(type[,attr]) ...)");
        }

        return list.ToArray();
    }

    private static byte[]?[] ParseRow(string path, int line, ReadOnlySpan<byte> l, DbTextColumn[] columns, long[] autoNext)
    {
        var row = new byte[]?[columns.Length];
        var field = new List<byte>(64);
        int c = 0;
        int i = 0;
        while (true)
        {
            field.Clear();
            bool any = false;
            while (i < l.Length && l[i] != ':')
            {
                byte b = l[i++];
                any = true;
                if (b == '\\' && i < l.Length)
                {
                    byte e = l[i++];
                    b = e switch
                    {
                        (byte)'n' => (byte)'\n',
                        (byte)'r' => (byte)'\r',
                        (byte)'t' => (byte)'\t',
                        (byte)'0' => 0,
                        _ => e,
                    };
                }

                field.Add(b);
            }

            if (c >= columns.Length)
            {
                throw new DbTextException($"{path}:{line}: the row has more fields than the {columns.Length} columns of line 1");
            }

            DbTextColumn col = columns[c];
            if (!any)
            {
                if (!col.Nullable && !col.Auto)
                {
                    throw new DbTextException($"{path}:{line}: column '{col.Name}' is empty (NULL) but not declared null");
                }
            }
            else
            {
                byte[] value = field.ToArray();
                if (col.Type is DbTextType.Int or DbTextType.Long)
                {
                    if (!long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long n)
                        || (col.Type == DbTextType.Int && (n < int.MinValue || n > int.MaxValue)))
                    {
                        throw new DbTextException($"{path}:{line}: column '{col.Name}' ({col.Type.ToString().ToLowerInvariant()}) has a value that is not a number");
                    }

                    if (col.Auto && n > autoNext[c])
                    {
                        autoNext[c] = n;
                    }
                }
                else if (col.Type == DbTextType.Double && !double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
                {
                    throw new DbTextException($"{path}:{line}: column '{col.Name}' (double) has a value that is not a number");
                }

                row[c] = value;
            }

            c++;
            if (i >= l.Length)
            {
                break;
            }

            i++; // ':'
        }

        if (c != columns.Length)
        {
            throw new DbTextException($"{path}:{line}: the row has {c} fields, line 1 declares {columns.Length} columns");
        }

        return row;
    }
}
