namespace Hyperproxy.Modules.AuthDb;

/// <summary>Case-insensitive (ASCII) keys made of one or more byte strings joined by a 0 byte, for the loaded tables.</summary>
internal static class ByteKeys
{
    /// <summary>Longest key looked up per message (longer = not found).</summary>
    public const int MaxKey = 768;

    /// <summary>Writes the lower-cased parts joined by 0 into <paramref name="key"/>; -1 when too long.</summary>
    public static int Build(Span<byte> key, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, int parts)
    {
        int need = a.Length + (parts > 1 ? b.Length + 1 : 0) + (parts > 2 ? c.Length + 1 : 0);
        if (need > key.Length)
        {
            return -1;
        }

        int n = Lower(a, key);
        if (parts > 1)
        {
            key[n++] = 0;
            n += Lower(b, key[n..]);
        }

        if (parts > 2)
        {
            key[n++] = 0;
            n += Lower(c, key[n..]);
        }

        return n;
    }

    public static ulong Hash(ReadOnlySpan<byte> key)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in key)
        {
            h = (h ^ b) * 1099511628211UL;
        }

        return h;
    }

    private static int Lower(ReadOnlySpan<byte> s, Span<byte> d)
    {
        for (int i = 0; i < s.Length; i++)
        {
            byte b = s[i];
            d[i] = (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;
        }

        return s.Length;
    }
}
