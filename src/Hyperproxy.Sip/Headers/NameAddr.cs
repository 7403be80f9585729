namespace Hyperproxy.Sip.Headers;

/// <summary>
/// A name-addr or addr-spec with header parameters: From, To, Contact, Route, Record-Route, Path, Refer-To...
/// Ranges are relative to the base offset given to <see cref="TryParse"/>; absent items are <see cref="TextRange.None"/>.
/// </summary>
public struct NameAddr
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
        na = default;
        na.DisplayName = na.Params = na.Tag = na.Expires = na.Q = na.Instance = na.RegId = TextRange.None;
        int i = SipText.SkipLws(v, 0);
        if (i >= v.Length)
        {
            return false;
        }

        int start = i;
        int end = SipText.TrimEnd(v, start, v.Length);
        if (v[i] == '*' && end == i + 1)
        {
            na.IsStar = true;
            na.Uri = TextRange.None;
            na.Value = new TextRange(i + baseOffset, 1);
            na.UriEnd = i + 1 + baseOffset;
            return true;
        }

        int pos;
        int lt;
        if (v[i] == '"')
        {
            int q = SipParams.QuotedEnd(v, i);
            if (q < 0)
            {
                return false;
            }

            na.DisplayName = TextRange.FromBounds(i, q);
            lt = SipText.SkipLws(v, q);
            if (lt >= v.Length || v[lt] != '<')
            {
                return false;
            }
        }
        else
        {
            lt = v[i..].IndexOf((byte)'<');
            if (lt >= 0)
            {
                lt += i;
                int dn = SipText.TrimEnd(v, i, lt);
                if (dn > i)
                {
                    ReadOnlySpan<byte> display = v[i..dn];
                    foreach (byte b in display)
                    {
                        if (!SipText.IsLws(b) && !SipText.IsTokenChar(b))
                        {
                            return false;
                        }
                    }

                    na.DisplayName = TextRange.FromBounds(i, dn);
                }
            }
        }

        if (lt >= 0)
        {
            int close = v[(lt + 1)..].IndexOf((byte)'>');
            if (close <= 0)
            {
                return false;
            }

            ReadOnlySpan<byte> uri = v.Slice(lt + 1, close);
            if (uri.IndexOfAny(SipText.Lws) >= 0 || uri.IndexOf((byte)':') <= 0)
            {
                return false;
            }

            na.Uri = new TextRange(lt + 1, close);
            na.HasBrackets = true;
            pos = lt + 1 + close + 1;
        }
        else
        {
            // addr-spec without brackets: the URI ends at the first ';' or LWS; it may not hold ',', '?' (RFC 3261 §20).
            int e = i;
            while (e < v.Length && v[e] != ';' && !SipText.IsLws(v[e]))
            {
                e++;
            }

            ReadOnlySpan<byte> uri = v[i..e];
            if (uri.IndexOf((byte)':') <= 0 || uri.IndexOfAny((byte)',', (byte)'?', (byte)'"') >= 0 || uri.IndexOfAny((byte)'<', (byte)'>') >= 0)
            {
                return false;
            }

            na.Uri = TextRange.FromBounds(i, e);
            pos = e;
        }

        na.UriEnd = pos;
        int firstParam = SipText.SkipLws(v, pos);
        if (firstParam < end)
        {
            na.Params = TextRange.FromBounds(firstParam, end);
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

            ReadOnlySpan<byte> pname = v.Slice(pn.Start, pn.Length);
            switch (pname.Length)
            {
                case 1 when (pname[0] | 0x20) == 'q':
                    na.Q = pv;
                    break;
                case 3 when SipText.EqualsLower(pname, "tag"u8):
                    na.Tag = pv;
                    break;
                case 6 when SipText.EqualsLower(pname, "reg-id"u8):
                    na.RegId = pv;
                    break;
                case 7 when SipText.EqualsLower(pname, "expires"u8):
                    na.Expires = pv;
                    break;
                case 13 when SipText.EqualsLower(pname, "+sip.instance"u8):
                    na.Instance = pv;
                    break;
            }
        }

        na.Value = TextRange.FromBounds(start, end);
        if (baseOffset != 0)
        {
            na.Shift(baseOffset);
        }

        return true;
    }

    private void Shift(int d)
    {
        Value = Value.Offset(d);
        DisplayName = DisplayName.Offset(d);
        Uri = Uri.Offset(d);
        Params = Params.Offset(d);
        Tag = Tag.Offset(d);
        Expires = Expires.Offset(d);
        Q = Q.Offset(d);
        Instance = Instance.Offset(d);
        RegId = RegId.Offset(d);
        UriEnd += d;
    }
}
