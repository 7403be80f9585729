using System.Text;

namespace Hyperproxy.Script.Runtime;

/// <summary>Byte-level helpers of the runtime (numbers, case-insensitive comparisons).</summary>
public static class ScriptText
{
    public static bool TryParseInt(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || s[i] == '\t'))
        {
            i++;
        }

        bool negative = false;
        if (i < s.Length && (s[i] == '-' || s[i] == '+'))
        {
            negative = s[i] == '-';
            i++;
        }

        int end = s.Length;
        while (end > i && (s[end - 1] == ' ' || s[end - 1] == '\t'))
        {
            end--;
        }

        if (i >= end || end - i > 10)
        {
            return false;
        }

        long n = 0;
        for (; i < end; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9)
            {
                return false;
            }

            n = n * 10 + d;
        }

        if (n > int.MaxValue + (negative ? 1L : 0L))
        {
            return false;
        }

        value = (int)(negative ? -n : n);
        return true;
    }

    /// <summary>Writes a signed decimal; returns the length (destination must hold 11 bytes).</summary>
    public static int WriteInt(int value, Span<byte> destination)
    {
        System.Buffers.Text.Utf8Formatter.TryFormat(value, destination, out int written);
        return written;
    }

    /// <summary>OpenSIPS string ordering: case-insensitive, shorter first on an equal prefix.</summary>
    public static int CompareIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            int x = ToLower(a[i]);
            int y = ToLower(b[i]);
            if (x != y)
            {
                return x - y;
            }
        }

        return a.Length - b.Length;
    }

    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => Ascii.EqualsIgnoreCase(a, b);

    private static int ToLower(byte b) => (uint)(b - 'A') <= 'Z' - 'A' ? b | 0x20 : b;
}
