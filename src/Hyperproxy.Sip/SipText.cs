using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Hyperproxy.Sip;

/// <summary>Byte classes and small scanning helpers shared by the parser and the typed views.</summary>
public static class SipText
{
    /// <summary>RFC 3261 token characters.</summary>
    public static readonly SearchValues<byte> Token =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~"u8);

    /// <summary>Bytes not allowed raw in the header section (controls except HT, CR, LF) plus all non-ASCII bytes.</summary>
    internal static readonly SearchValues<byte> ControlOrHigh = SearchValues.Create(BuildBad(true));

    /// <summary>Controls except HT, CR, LF, plus DEL.</summary>
    internal static readonly SearchValues<byte> Control = SearchValues.Create(BuildBad(false));

    /// <summary>Host name characters (letters, digits, '-', '.').</summary>
    internal static readonly SearchValues<byte> HostChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._"u8);

    internal static readonly SearchValues<byte> Lws = SearchValues.Create(" \t\r\n"u8);

    /// <summary>'&gt;' or LWS: ends the URI inside &lt;&gt; (LWS first means a malformed URI).</summary>
    internal static readonly SearchValues<byte> UriCloseOrLws = SearchValues.Create("> \t\r\n"u8);

    /// <summary>Bytes that end an unquoted parameter value.</summary>
    internal static readonly SearchValues<byte> ParamValueStop = SearchValues.Create(" \t\r\n;,\"<>?"u8);

    private static byte[] BuildBad(bool high)
    {
        var list = new List<byte>();
        for (int b = 0; b < 256; b++)
        {
            if ((b < 0x20 && b != '\t' && b != '\r' && b != '\n') || b == 0x7F || (high && b > 0x7F))
            {
                list.Add((byte)b);
            }
        }

        return list.ToArray();
    }

    /// <summary>RFC 3261 token character (table lookup, no call).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsTokenChar(byte b) => TokenTable[b] != 0;

    /// <summary>Host name character: letters, digits, '-', '.', '_'.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsHostChar(byte b) => HostTable[b] != 0;

    /// <summary>Token characters.</summary>
    private static ReadOnlySpan<byte> TokenTable =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
        0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    /// <summary>Host characters.</summary>
    private static ReadOnlySpan<byte> HostTable =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
        0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
        0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    /// <summary>Byte that ends an unquoted parameter value (LWS ; , " &lt; &gt; ?).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsParamValueStop(byte b) => ParamStopTable[b] != 0;

    private static ReadOnlySpan<byte> ParamStopTable =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsLws(byte b) => b == ' ' || b == '\t' || b == '\r' || b == '\n';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    public static bool IsToken(ReadOnlySpan<byte> s) => !s.IsEmpty && !s.ContainsAnyExcept(Token);

    /// <summary>Index of the first non-LWS byte at or after <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SkipLws(ReadOnlySpan<byte> s, int i)
    {
        while ((uint)i < (uint)s.Length && IsLws(s[i]))
        {
            i++;
        }

        return i;
    }

    /// <summary>End (exclusive) after trimming trailing LWS from [start, end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TrimEnd(ReadOnlySpan<byte> s, int start, int end)
    {
        while (end > start && IsLws(s[end - 1]))
        {
            end--;
        }

        return end;
    }

    /// <summary>Case-insensitive compare of a name with a lower-case literal made of letters, digits, '-', '.', '+'.</summary>
    public static bool EqualsLower(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lower)
    {
        if (name.Length != lower.Length)
        {
            return false;
        }

        if (name.Length >= 8)
        {
            // Literal bytes (lower-case letters, digits, '-', '.', '+') all have 0x20 set, so folding only the name
            // is enough; a control byte could alias a digit or '-', which token-checked names never contain.
            const ulong Fold = 0x2020202020202020;
            int i = 0;
            for (; i + 8 <= name.Length; i += 8)
            {
                if ((BinaryPrimitives.ReadUInt64LittleEndian(name[i..]) | Fold) != BinaryPrimitives.ReadUInt64LittleEndian(lower[i..]))
                {
                    return false;
                }
            }

            return i == name.Length
                || (BinaryPrimitives.ReadUInt64LittleEndian(name[^8..]) | Fold) == BinaryPrimitives.ReadUInt64LittleEndian(lower[^8..]);
        }

        const uint Fold4 = 0x20202020;
        if (name.Length >= 4)
        {
            return (BinaryPrimitives.ReadUInt32LittleEndian(name) | Fold4) == BinaryPrimitives.ReadUInt32LittleEndian(lower)
                && (BinaryPrimitives.ReadUInt32LittleEndian(name[^4..]) | Fold4) == BinaryPrimitives.ReadUInt32LittleEndian(lower[^4..]);
        }

        if (name.Length >= 2)
        {
            return (BinaryPrimitives.ReadUInt16LittleEndian(name) | 0x2020) == BinaryPrimitives.ReadUInt16LittleEndian(lower)
                && (BinaryPrimitives.ReadUInt16LittleEndian(name[^2..]) | 0x2020) == BinaryPrimitives.ReadUInt16LittleEndian(lower[^2..]);
        }

        return EqualsLowerSlow(name, lower);
    }

    private static bool EqualsLowerSlow(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lower)
    {
        for (int i = 0; i < name.Length; i++)
        {
            byte b = name[i];
            byte l = lower[i];
            if (b != l && ((uint)((b | 0x20) - 'a') > 'z' - 'a' || (b | 0x20) != l))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>ASCII case-insensitive equality of two arbitrary spans.</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        System.Text.Ascii.EqualsIgnoreCase(a, b);

    /// <summary>Parses 1*DIGIT into a value no larger than <paramref name="max"/>; false on empty, non-digits or overflow.</summary>
    public static bool TryParseUInt(ReadOnlySpan<byte> s, uint max, out uint value)
    {
        value = 0;
        if (s.IsEmpty)
        {
            return false;
        }

        while (s.Length > 1 && s[0] == '0')
        {
            s = s[1..];
        }

        if (s.Length > 10)
        {
            return false;
        }

        ulong v = 0;
        foreach (byte b in s)
        {
            uint d = (uint)(b - '0');
            if (d > 9)
            {
                return false;
            }

            v = (v * 10) + d;
        }

        if (v > max)
        {
            return false;
        }

        value = (uint)v;
        return true;
    }

    /// <summary>Writes a non-negative number in decimal; returns bytes written or -1 when it does not fit.</summary>
    public static int WriteUInt(uint value, Span<byte> destination)
    {
        Span<byte> tmp = stackalloc byte[10];
        int n = 0;
        do
        {
            tmp[n++] = (byte)('0' + (value % 10));
            value /= 10;
        }
        while (value != 0);

        if (n > destination.Length)
        {
            return -1;
        }

        for (int i = 0; i < n; i++)
        {
            destination[i] = tmp[n - 1 - i];
        }

        return n;
    }

    /// <summary>Value of a hex digit or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int HexValue(byte b)
    {
        if ((uint)(b - '0') <= 9)
        {
            return b - '0';
        }

        int l = b | 0x20;
        return (uint)(l - 'a') <= 5 ? l - 'a' + 10 : -1;
    }
}
