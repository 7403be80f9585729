namespace Hyperproxy.Sip;

public sealed partial class SipMessage
{
    private SipError ParseStartLine(ReadOnlySpan<byte> line)
    {
        if (line.Length >= 4 && SipText.EqualsLower(line[..4], "sip/"u8))
        {
            return ParseStatusLine(line);
        }

        IsRequest = true;
        int sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0)
        {
            return Fail(line.IsEmpty ? SipError.EmptyMessage : SipError.BadRequestLine, 0);
        }

        ReadOnlySpan<byte> method = line[..sp1];
        if (method.ContainsAnyExcept(SipText.Token))
        {
            return Fail(SipError.BadMethod, 0);
        }

        MethodRange = new TextRange(0, sp1);
        Method = SipStrings.ParseMethod(method);
        int sp2 = line.LastIndexOf((byte)' ');
        if (sp2 == sp1)
        {
            return Fail(SipError.BadRequestLine, sp1);
        }

        ReadOnlySpan<byte> uri = line[(sp1 + 1)..sp2];
        if (uri.IsEmpty || uri.IndexOfAny((byte)' ', (byte)'\t') >= 0)
        {
            return Fail(SipError.BadRequestLine, sp1 + 1);
        }

        RequestUri = TextRange.FromBounds(sp1 + 1, sp2);
        SipError e = CheckVersion(line[(sp2 + 1)..], SipError.BadRequestLine);
        if (e != SipError.None)
        {
            return Fail(e, sp2 + 1);
        }

        if (!IsValidRequestUri(uri, out int hostOffset))
        {
            return Fail(SipError.BadRequestUri, sp1 + 1);
        }

        RequestUriHostOffset = hostOffset;

        return SipError.None;
    }

    private SipError ParseStatusLine(ReadOnlySpan<byte> line)
    {
        IsRequest = false;
        int sp = line.IndexOf((byte)' ');
        if (sp < 0)
        {
            return Fail(SipError.BadStatusLine, line.Length);
        }

        SipError e = CheckVersion(line[..sp], SipError.BadStatusLine);
        if (e != SipError.None)
        {
            return Fail(e, 0);
        }

        int i = sp + 1;
        int digits = 0;
        while (i + digits < line.Length && SipText.IsDigit(line[i + digits]))
        {
            digits++;
        }

        if (digits != 3 || (i + 3 < line.Length && line[i + 3] != ' '))
        {
            return Fail(SipError.BadStatusCode, i);
        }

        int code = ((line[i] - '0') * 100) + ((line[i + 1] - '0') * 10) + (line[i + 2] - '0');
        if (code < 100 || code > 699)
        {
            return Fail(SipError.BadStatusCode, i);
        }

        StatusCode = code;
        Reason = i + 4 <= line.Length ? TextRange.FromBounds(i + 4, line.Length) : new TextRange(line.Length, 0);
        return SipError.None;
    }

    private static SipError CheckVersion(ReadOnlySpan<byte> version, SipError bad)
    {
        if (version.Length == 7 && SipText.EqualsLower(version, "sip/2.0"u8))
        {
            return SipError.None;
        }

        // SIP/x.y with digits is a well-formed but unsupported version (RFC 4475 badvers wants 505).
        if (version.Length >= 7 && SipText.EqualsLower(version[..4], "sip/"u8))
        {
            ReadOnlySpan<byte> v = version[4..];
            int dot = v.IndexOf((byte)'.');
            if (dot > 0 && dot < v.Length - 1 && !v[..dot].ContainsAnyExceptInRange((byte)'0', (byte)'9')
                && !v[(dot + 1)..].ContainsAnyExceptInRange((byte)'0', (byte)'9'))
            {
                return SipError.VersionNotSupported;
            }
        }

        return bad == SipError.BadRequestLine ? SipError.BadVersion : bad;
    }

    /// <summary>
    /// absoluteURI scheme check; SIP/SIPS Request-URIs must not carry headers (RFC 4475 escruri).
    /// <paramref name="hostOffset"/>: see <see cref="RequestUriHostOffset"/>.
    /// </summary>
    private static bool IsValidRequestUri(ReadOnlySpan<byte> uri, out int hostOffset)
    {
        hostOffset = -1;
        int colon = uri.IndexOf((byte)':');
        if (colon <= 0 || colon == uri.Length - 1)
        {
            return false;
        }

        if ((uint)((uri[0] | 0x20) - 'a') > 'z' - 'a')
        {
            return false;
        }

        for (int i = 1; i < colon; i++)
        {
            byte b = uri[i];
            if (!((uint)((b | 0x20) - 'a') <= 'z' - 'a' || SipText.IsDigit(b) || b == '+' || b == '-' || b == '.'))
            {
                return false;
            }
        }

        bool sip = (colon == 3 && SipText.EqualsLower(uri[..3], "sip"u8)) || (colon == 4 && SipText.EqualsLower(uri[..4], "sips"u8));
        // Control bytes are rejected for the whole header section by CheckCharacters.
        if (uri.IndexOfAny((byte)'<', (byte)'>') >= 0)
        {
            return false;
        }

        if (!sip)
        {
            return true;
        }

        // The user part may hold '?' (RFC 4475 intmeth); headers start after the host.
        ReadOnlySpan<byte> hostPart = uri[(colon + 1)..];
        int at = hostPart.IndexOf((byte)'@');
        if (at != 0 && (at < 0 || hostPart[0] != ':'))
        {
            hostOffset = colon + 1 + at + 1;
        }

        return hostPart[(at + 1)..].IndexOf((byte)'?') < 0;
    }
}
