namespace Hyperproxy.Location;

/// <summary>
/// Sizes as operators write them on the command line and in modparams: a number of bytes, optionally
/// followed by K, M or G (binary: 1K = 1024) and an optional B or iB (<c>65536</c>, <c>64M</c>, <c>1GiB</c>).
/// </summary>
public static class ByteSize
{
    public static bool TryParse(ReadOnlySpan<char> text, out long bytes)
    {
        bytes = 0;
        text = text.Trim();
        int digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        if (digits == 0 || digits > 18)
        {
            return false;
        }

        long value = long.Parse(text[..digits], System.Globalization.CultureInfo.InvariantCulture);
        ReadOnlySpan<char> unit = text[digits..];
        int shift = 0;
        if (unit.Length > 0)
        {
            shift = char.ToUpperInvariant(unit[0]) switch
            {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                _ => -1,
            };
            if (shift > 0)
            {
                unit = unit[1..];
            }
            else
            {
                shift = 0;
            }

            if (!(unit.IsEmpty || unit.Equals("B", StringComparison.OrdinalIgnoreCase)
                || (shift > 0 && unit.Equals("iB", StringComparison.OrdinalIgnoreCase))))
            {
                return false;
            }
        }

        if (value > long.MaxValue >> shift)
        {
            return false;
        }

        bytes = value << shift;
        return true;
    }

    /// <summary>The shortest exact form: <c>64M</c>, <c>1536K</c>, <c>1000</c>.</summary>
    public static string Format(long bytes)
    {
        foreach ((int shift, char unit) in new[] { (30, 'G'), (20, 'M'), (10, 'K') })
        {
            long size = 1L << shift;
            if (bytes >= size && bytes % size == 0)
            {
                return (bytes >> shift).ToString(System.Globalization.CultureInfo.InvariantCulture) + unit;
            }
        }

        return bytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
