namespace Hyperproxy.Sip.Headers;

/// <summary>
/// A name-addr or addr-spec with header parameters: From, To, Contact, Route, Record-Route, Path, Refer-To...
/// Ranges are relative to the base offset given to <see cref="TryParse"/>; absent items are <see cref="TextRange.None"/>.
/// </summary>
public partial struct NameAddr
{
    /// <summary>The whole element.</summary>
    public TextRange Value { get; private set; }

    /// <summary>Display name as written (a quoted string keeps its quotes); None when absent.</summary>
    public TextRange DisplayName { get; private set; }

    /// <summary>The URI without the angle brackets.</summary>
    public TextRange Uri { get; private set; }

    /// <summary>True when the URI was enclosed in &lt;&gt;.</summary>
    public bool HasBrackets { get; private set; }

    /// <summary>True for the Contact <c>*</c> form (then every other range is None).</summary>
    public bool IsStar { get; private set; }

    /// <summary>Header parameters from the first ';' after the URI to the end; None when there are none.</summary>
    public TextRange Params { get; private set; }

    public TextRange Tag { get; private set; }

    public TextRange Expires { get; private set; }

    public TextRange Q { get; private set; }

    /// <summary>+sip.instance value (quoted, as written).</summary>
    public TextRange Instance { get; private set; }

    public TextRange RegId { get; private set; }

    /// <summary>Offset just past the URI element (after '&gt;' when bracketed): where header params are appended.</summary>
    public int UriEnd { get; private set; }

    /// <summary>Parses one element (no top-level commas). Ranges get <paramref name="baseOffset"/> added.</summary>
    public static bool TryParse(ReadOnlySpan<byte> v, int baseOffset, out NameAddr na)
    {
        int b = baseOffset;
        na = default;
        na.DisplayName = na.Params = na.Tag = na.Expires = na.Q = na.Instance = na.RegId = TextRange.None;
        int i = SipText.SkipLws(v, 0);
        if (i >= v.Length)
        {
            return false;
        }

        int start = i;
        int end = SipText.TrimEnd(v, start, v.Length);
        int pos;
        byte first = v[i];
        if (first == '<')
        {
            // The common spelling: no display name.
            pos = BracketedUri(v, i, b, ref na);
        }
        else if (first == '"')
        {
            int q = SipParams.QuotedEnd(v, i);
            if (q < 0)
            {
                return false;
            }

            na.DisplayName = new TextRange(i + b, q - i);
            int lt = SipText.SkipLws(v, q);
            if (lt >= v.Length || v[lt] != '<')
            {
                return false;
            }

            pos = BracketedUri(v, lt, b, ref na);
        }
        else if (first == '*' && end == i + 1)
        {
            na.IsStar = true;
            na.Uri = TextRange.None;
            na.Value = new TextRange(i + b, 1);
            na.UriEnd = i + 1 + b;
            return true;
        }
        else
        {
            int lt = v[i..].IndexOf((byte)'<');
            if (lt >= 0)
            {
                lt += i;
                int dn = SipText.TrimEnd(v, i, lt);
                if (dn > i)
                {
                    ReadOnlySpan<byte> display = v[i..dn];
                    foreach (byte c in display)
                    {
                        if (!SipText.IsLws(c) && !SipText.IsTokenChar(c))
                        {
                            return false;
                        }
                    }

                    na.DisplayName = new TextRange(i + b, dn - i);
                }

                pos = BracketedUri(v, lt, b, ref na);
            }
            else
            {
                pos = AddrSpec(v, i, b, ref na);
            }
        }

        if (pos < 0)
        {
            return false;
        }

        na.UriEnd = pos + b;
        int firstParam = SipText.SkipLws(v, pos);
        if (firstParam < end)
        {
            na.Params = new TextRange(firstParam + b, end - firstParam);
        }

        while (true)
        {
            if (!SipParams.TryNext(v, ref pos, out TextRange pn, out TextRange pv, out bool error))
            {
                if (error)
                {
                    return false;
                }

                break;
            }

            na.SetParam(v.Slice(pn.Start, pn.Length), pv.Offset(b));
        }

        na.Value = new TextRange(start + b, end - start);
        return true;
    }

    /// <summary>
    /// The URI between '&lt;' at <paramref name="lt"/> and the first '&gt;': non-empty, no LWS, a scheme before ':'.
    /// One vector scan finds '&gt;' or the first LWS (either ends the check). Returns the index after '&gt;' or -1.
    /// </summary>
    private static int BracketedUri(ReadOnlySpan<byte> v, int lt, int b, ref NameAddr na)
    {
        int u = lt + 1;
        int close = v[u..].IndexOfAny(SipText.UriCloseOrLws);
        if (close <= 0 || v[u + close] != '>')
        {
            return -1;
        }

        close += u;
        int colon = u;
        while (colon < close && v[colon] != ':')
        {
            colon++;
        }

        if (colon == u || colon == close)
        {
            return -1;
        }

        na.Uri = new TextRange(u + b, close - u);
        na.HasBrackets = true;
        return close + 1;
    }

    /// <summary>addr-spec without brackets: the URI ends at the first ';' or LWS; it may not hold ',', '?' (RFC 3261 §20).</summary>
    private static int AddrSpec(ReadOnlySpan<byte> v, int i, int b, ref NameAddr na)
    {
        int e = i;
        while (e < v.Length && v[e] != ';' && !SipText.IsLws(v[e]))
        {
            e++;
        }

        ReadOnlySpan<byte> uri = v[i..e];
        if (uri.IndexOf((byte)':') <= 0 || uri.IndexOfAny((byte)',', (byte)'?', (byte)'"') >= 0 || uri.IndexOfAny((byte)'<', (byte)'>') >= 0)
        {
            return -1;
        }

        na.Uri = new TextRange(i + b, e - i);
        return e;
    }
}
