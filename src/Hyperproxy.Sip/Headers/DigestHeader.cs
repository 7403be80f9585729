namespace Hyperproxy.Sip.Headers;

/// <summary>
/// Digest credentials (Authorization, Proxy-Authorization) or challenge (WWW-Authenticate, Proxy-Authenticate),
/// RFC 2617 / RFC 7616 / RFC 3261 §25. Quoted values are given without their quotes. Parse the whole header value
/// (do not comma-split it). Absent items are <see cref="TextRange.None"/>.
/// </summary>
public struct DigestHeader
{
    public TextRange Scheme { get; private set; }

    public TextRange Username { get; private set; }

    public TextRange Realm { get; private set; }

    public TextRange Nonce { get; private set; }

    public TextRange Uri { get; private set; }

    public TextRange Response { get; private set; }

    public TextRange Algorithm { get; private set; }

    /// <summary>qop (credentials: one token; challenge: the quoted option list).</summary>
    public TextRange Qop { get; private set; }

    public TextRange Nc { get; private set; }

    public TextRange Cnonce { get; private set; }

    public TextRange Opaque { get; private set; }

    public TextRange Stale { get; private set; }

    public TextRange Domain { get; private set; }

    public bool IsDigest { get; private set; }

    /// <summary>Parses <c>scheme param=value, param="value", ...</c>; ranges get <paramref name="baseOffset"/> added.</summary>
    public static bool TryParse(ReadOnlySpan<byte> v, int baseOffset, out DigestHeader d)
    {
        d = default;
        d.Username = d.Realm = d.Nonce = d.Uri = d.Response = d.Algorithm = d.Qop = TextRange.None;
        d.Nc = d.Cnonce = d.Opaque = d.Stale = d.Domain = TextRange.None;
        int i = SipText.SkipLws(v, 0);
        int s = i;
        while (i < v.Length && SipText.IsTokenChar(v[i]))
        {
            i++;
        }

        if (i == s || i >= v.Length || !SipText.IsLws(v[i]))
        {
            return false;
        }

        d.Scheme = new TextRange(s + baseOffset, i - s);
        d.IsDigest = SipText.EqualsLower(v[s..i], "digest"u8);
        while (true)
        {
            i = SipText.SkipLws(v, i);
            if (i >= v.Length)
            {
                return true;
            }

            int n = i;
            while (n < v.Length && SipText.IsTokenChar(v[n]))
            {
                n++;
            }

            if (n == i)
            {
                return false;
            }

            ReadOnlySpan<byte> name = v[i..n];
            int eq = SipText.SkipLws(v, n);
            if (eq >= v.Length || v[eq] != '=')
            {
                return false;
            }

            int vs = SipText.SkipLws(v, eq + 1);
            if (vs >= v.Length)
            {
                return false;
            }

            int ve;
            TextRange value;
            if (v[vs] == '"')
            {
                ve = SipParams.QuotedEnd(v, vs);
                if (ve < 0)
                {
                    return false;
                }

                value = new TextRange(vs + 1 + baseOffset, ve - vs - 2);
            }
            else
            {
                ve = vs;
                while (ve < v.Length && v[ve] != ',' && !SipText.IsLws(v[ve]))
                {
                    ve++;
                }

                value = new TextRange(vs + baseOffset, ve - vs);
            }

            d.Set(name, value);
            i = SipText.SkipLws(v, ve);
            if (i < v.Length)
            {
                if (v[i] != ',')
                {
                    return false;
                }

                i++;
            }
        }
    }

    private void Set(ReadOnlySpan<byte> name, TextRange value)
    {
        switch (name.Length)
        {
            case 2 when SipText.EqualsLower(name, "nc"u8):
                Nc = value;
                break;
            case 3 when SipText.EqualsLower(name, "uri"u8):
                Uri = value;
                break;
            case 3 when SipText.EqualsLower(name, "qop"u8):
                Qop = value;
                break;
            case 5 when SipText.EqualsLower(name, "realm"u8):
                Realm = value;
                break;
            case 5 when SipText.EqualsLower(name, "nonce"u8):
                Nonce = value;
                break;
            case 5 when SipText.EqualsLower(name, "stale"u8):
                Stale = value;
                break;
            case 6 when SipText.EqualsLower(name, "cnonce"u8):
                Cnonce = value;
                break;
            case 6 when SipText.EqualsLower(name, "opaque"u8):
                Opaque = value;
                break;
            case 6 when SipText.EqualsLower(name, "domain"u8):
                Domain = value;
                break;
            case 8 when SipText.EqualsLower(name, "username"u8):
                Username = value;
                break;
            case 8 when SipText.EqualsLower(name, "response"u8):
                Response = value;
                break;
            case 9 when SipText.EqualsLower(name, "algorithm"u8):
                Algorithm = value;
                break;
        }
    }
}
