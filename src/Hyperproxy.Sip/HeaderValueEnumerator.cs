namespace Hyperproxy.Sip;

/// <summary>
/// Enumerates the comma-separated elements of every header with one id (or of one header line), across repeated
/// headers. Commas inside quoted strings and inside &lt;...&gt; do not split. Elements are trimmed; empty ones skipped.
/// </summary>
public struct HeaderValueEnumerator
{
    private readonly SipMessage _message;
    private readonly HeaderId _id;
    private readonly bool _single;
    private int _header;
    private int _pos;
    private int _end;

    internal HeaderValueEnumerator(SipMessage message, HeaderId id, int headerIndex)
    {
        _message = message;
        _id = id;
        _single = headerIndex >= 0;
        _header = headerIndex >= 0 ? headerIndex - 1 : -1;
        _pos = 0;
        _end = -1;
        Current = default;
    }

    public HeaderValue Current { get; private set; }

    public readonly HeaderValueEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        ReadOnlySpan<byte> s = _message.Bytes;
        while (true)
        {
            if (_pos >= _end)
            {
                if (_single && _end >= 0)
                {
                    return false;
                }

                int next = _single ? _header + 1 : _message.FindHeader(_id, _header + 1);
                if (next < 0 || next >= _message.HeaderCount)
                {
                    return false;
                }

                _header = next;
                TextRange v = _message.Header(next).Value;
                _pos = v.Start;
                _end = v.End;
                if (v.Length == 0)
                {
                    _end = v.Start;
                    continue;
                }
            }

            int start = SipText.SkipLws(s[.._end], _pos);
            int stop = FindComma(s, start, _end);
            _pos = stop + 1;
            int trimmed = SipText.TrimEnd(s, start, stop);
            if (trimmed > start)
            {
                Current = new HeaderValue(_header, TextRange.FromBounds(start, trimmed));
                return true;
            }
        }
    }

    private static int SipParamsQuotedEnd(ReadOnlySpan<byte> s, int i) => Headers.SipParams.QuotedEnd(s, i);

    /// <summary>Offset of the next top-level comma in [start, end), or end.</summary>
    internal static int FindComma(ReadOnlySpan<byte> s, int start, int end)
    {
        int i = start;
        while (i < end)
        {
            byte b = s[i];
            if (b != '<' && b != '"' && b != ',')
            {
                // Elements usually start with '<' and follow a '>' directly: only search when not already on a delimiter.
                int rel = s[i..end].IndexOfAny((byte)',', (byte)'"', (byte)'<');
                if (rel < 0)
                {
                    return end;
                }

                i += rel;
                b = s[i];
            }

            if (b == ',')
            {
                return i;
            }

            if (b == '"')
            {
                int q = SipParamsQuotedEnd(s[..end], i);
                i = q < 0 ? end : q;
            }
            else
            {
                int close = s[i..end].IndexOf((byte)'>');
                i = close < 0 ? end : i + close + 1;
            }
        }

        return end;
    }
}
