namespace Hyperproxy.Sip.Headers;

/// <summary>Content-Type: <c>type "/" subtype *(";" param)</c>. Ranges get the base offset added.</summary>
public struct MediaType
{
    public TextRange Type { get; private set; }

    public TextRange Subtype { get; private set; }

    /// <summary>Parameters from the first ';' to the end; None when there are none.</summary>
    public TextRange Params { get; private set; }

    /// <summary>The boundary parameter of a multipart type (quotes kept as written).</summary>
    public TextRange Boundary { get; private set; }

    public static bool TryParse(ReadOnlySpan<byte> v, int baseOffset, out MediaType mt)
    {
        mt = default;
        mt.Params = mt.Boundary = TextRange.None;
        int i = SipText.SkipLws(v, 0);
        int t = i;
        while (i < v.Length && SipText.IsTokenChar(v[i]))
        {
            i++;
        }

        int slash = SipText.SkipLws(v, i);
        if (i == t || slash >= v.Length || v[slash] != '/')
        {
            return false;
        }

        int st = SipText.SkipLws(v, slash + 1);
        int se = st;
        while (se < v.Length && SipText.IsTokenChar(v[se]))
        {
            se++;
        }

        if (se == st)
        {
            return false;
        }

        mt.Type = new TextRange(t + baseOffset, i - t);
        mt.Subtype = new TextRange(st + baseOffset, se - st);
        int pos = se;
        int first = SipText.SkipLws(v, pos);
        int end = SipText.TrimEnd(v, first, v.Length);
        if (first < end)
        {
            mt.Params = new TextRange(first + baseOffset, end - first);
        }

        while (true)
        {
            if (!SipParams.TryNext(v, ref pos, out TextRange name, out TextRange value, out bool error))
            {
                return !error;
            }

            if (SipText.EqualsLower(v.Slice(name.Start, name.Length), "boundary"u8))
            {
                mt.Boundary = value.Offset(baseOffset);
            }
        }
    }
}
