using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Hyperproxy.Sip.Headers;

/// <summary>Via parameter loops: the general one (any LWS) and the single-pass one used on a Via list.</summary>
public partial struct ViaHeader
{
    /// <summary>";branch=" read as one little-endian word; the letters are compared with 0x20 OR-ed in.</summary>
    private const ulong BranchWord = 0x3D_68_63_6E_61_72_62_3B;

    private const ulong BranchFold = 0x00_20_20_20_20_20_20_00;

    /// <summary>
    /// Parses the first via-parm of a Via header value in place: <paramref name="s"/> ends where the header value ends,
    /// <paramref name="start"/> is the value's first byte, ranges are indices into <paramref name="s"/>. Returns the index of
    /// the ',' ending the via-parm or <c>s.Length</c>; -1 when it is malformed or spelt otherwise than the usual way
    /// (the caller then splits the list and uses <see cref="TryParse"/>, which decides).
    /// </summary>
    internal static int TryParseElement(ReadOnlySpan<byte> s, int start, out ViaHeader via) => Parse(s, start, 0, true, out via);

    /// <summary>The general loop over every parameter after sent-by; -1 when malformed.</summary>
    private static int ViaParamsGeneral(ReadOnlySpan<byte> v, int pos, int b, ref ViaHeader via)
    {
        while (true)
        {
            int paramStart = pos;
            if (!SipParams.TryNext(v, ref pos, out TextRange pn, out TextRange pv, out bool error))
            {
                return error ? -1 : pos;
            }

            int semi = SipText.SkipLws(v, paramStart);
            via.SetParam(v.Slice(pn.Start, pn.Length), pv.Offset(b), semi + b, (pv.IsPresent ? pv.End : pn.End) + b);
        }
    }

    /// <summary>
    /// The single-pass loop of a list element: <c>;name[=value]</c> without LWS (plain, quoted or [IPv6] values), then
    /// optional LWS and ',' or the end. Returns that index (<paramref name="elementEnd"/>: after the last parameter),
    /// or -1 off this spelling, where a comma split could read the element differently.
    /// </summary>
    private static int ViaParams(ReadOnlySpan<byte> v, int pos, int b, ref ViaHeader via, out int elementEnd)
    {
        elementEnd = pos;
        while (pos < v.Length)
        {
            byte c = v[pos];
            if (c != ';')
            {
                if (c != ',')
                {
                    int j = SipText.SkipLws(v, pos);
                    if (j == pos || (j < v.Length && v[j] != ','))
                    {
                        return -1;
                    }

                    pos = j;
                }

                break;
            }

            int ns = pos + 1;
            int n;
            if (pos + 8 < v.Length && (BinaryPrimitives.ReadUInt64LittleEndian(v[pos..]) | BranchFold) == BranchWord)
            {
                n = pos + 7;
            }
            else
            {
                n = ns;
                while (n < v.Length && SipText.IsTokenChar(v[n]))
                {
                    n++;
                }

                if (n == ns)
                {
                    return -1;
                }
            }

            TextRange value = TextRange.None;
            int next = n;
            if (n < v.Length && v[n] == '=')
            {
                next = ValueEnd(v, n + 1);
                if (next < 0)
                {
                    return -1;
                }

                value = TextRange.FromBounds(n + 1 + b, next + b);
            }

            via.SetParam(v.Slice(ns, n - ns), value, pos + b, next + b);
            pos = next;
            elementEnd = next;
        }

        return pos;
    }

    /// <summary>End of a non-empty value at <paramref name="vs"/>, or -1 (empty, unterminated, or an [IPv6] value holding what a comma split stops at).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ValueEnd(ReadOnlySpan<byte> v, int vs)
    {
        if (vs >= v.Length)
        {
            return -1;
        }

        byte f = v[vs];
        if (f == '"')
        {
            return SipParams.QuotedEnd(v, vs);
        }

        if (f == '[')
        {
            int close = v[vs..].IndexOf((byte)']');
            return close < 0 || v.Slice(vs, close).IndexOfAny((byte)',', (byte)'"', (byte)'<') >= 0 ? -1 : vs + close + 1;
        }

        int r = v[vs..].IndexOfAny(SipText.ParamValueStop);
        return r == 0 ? -1 : r < 0 ? v.Length : vs + r;
    }

    /// <summary>Records a parameter the struct names; <paramref name="paramStart"/>/<paramref name="paramEnd"/> bound the whole parameter (for rport).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetParam(ReadOnlySpan<byte> name, TextRange value, int paramStart, int paramEnd)
    {
        switch (name.Length)
        {
            case 6 when SipText.EqualsLower(name, "branch"u8):
                Branch = value;
                break;
            case 8 when SipText.EqualsLower(name, "received"u8):
                Received = value;
                break;
            case 5 when SipText.EqualsLower(name, "rport"u8):
                HasRport = true;
                Rport = value;
                RportParam = TextRange.FromBounds(paramStart, paramEnd);
                break;
            case 5 when SipText.EqualsLower(name, "maddr"u8):
                Maddr = value;
                break;
            case 3 when SipText.EqualsLower(name, "ttl"u8):
                Ttl = value;
                break;
        }
    }
}
