using System.Runtime.CompilerServices;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sip;

/// <summary>
/// A parsed SIP message: a header index over bytes that stay in the caller's buffer. One instance per worker,
/// parsed again and again; <see cref="Parse"/> allocates nothing. All ranges are relative to the message start.
/// </summary>
public sealed partial class SipMessage
{
    public const int DefaultMaxHeaders = 128;

    // Headers that may appear only once (RFC 4475 multi01, mcl01).
    private const ulong SingleValueMask =
        (1UL << (int)HeaderId.From) | (1UL << (int)HeaderId.To) | (1UL << (int)HeaderId.CallId) |
        (1UL << (int)HeaderId.CSeq) | (1UL << (int)HeaderId.MaxForwards) | (1UL << (int)HeaderId.ContentLength) |
        (1UL << (int)HeaderId.ContentType);

    private readonly HeaderEntry[] _headers;
    private byte[] _buffer = [];
    private int _offset;
    private int _length;
    private int _headerCount;
    private ulong _present;

    public SipMessage(int maxHeaders = DefaultMaxHeaders)
    {
        _headers = new HeaderEntry[maxHeaders];
    }

    /// <summary>The error of the last parse (<see cref="SipError.None"/> when it succeeded).</summary>
    public SipError Error { get; private set; }

    /// <summary>Offset (relative to the message start) where the parse error was detected.</summary>
    public int ErrorOffset { get; private set; }

    /// <summary>Name of the header that caused the error, when one did (<see cref="TextRange.None"/> otherwise).</summary>
    public TextRange ErrorHeaderName { get; private set; }

    public bool IsRequest { get; private set; }

    public SipMethod Method { get; private set; }

    /// <summary>Method bytes of a request (for extension methods this is the only way to know the method).</summary>
    public TextRange MethodRange { get; private set; }

    public TextRange RequestUri { get; private set; }

    /// <summary>
    /// Where the host of a sip:/sips: Request-URI starts, as an offset into <see cref="RequestUri"/>: after the
    /// user part's '@', else after the scheme; -1 for other schemes and for a user part that is empty or starts
    /// with ':' (both rejected by <see cref="SipUri"/>). The start-line check finds it anyway; "is this me" on
    /// the Request-URI then reads the host without scanning for it again.
    /// </summary>
    public int RequestUriHostOffset { get; private set; } = -1;

    /// <summary>The whole start line without its CRLF.</summary>
    public TextRange StartLine { get; private set; }

    public int StatusCode { get; private set; }

    /// <summary>Reason phrase of a response; may be empty.</summary>
    public TextRange Reason { get; private set; }

    public int HeaderCount => _headerCount;

    /// <summary>Offset of the empty line that ends the header section (where new headers are appended).</summary>
    public int HeadersEnd { get; private set; }

    /// <summary>The body: Content-Length bytes after the empty line, or the rest of the datagram without Content-Length.</summary>
    public TextRange Body { get; private set; }

    /// <summary>Bytes from the start line to the end of the body (trailing datagram bytes past Content-Length excluded).</summary>
    public int MessageLength => Body.End;

    /// <summary>The parsed bytes (the whole datagram given to <see cref="Parse"/>).</summary>
    public ReadOnlySpan<byte> Bytes => new(_buffer, _offset, _length);

    public byte[] Buffer => _buffer;

    public int BufferOffset => _offset;

    public ReadOnlySpan<byte> Span(TextRange range) =>
        range.Start < 0 ? default : new ReadOnlySpan<byte>(_buffer, _offset + range.Start, range.Length);

    public ref readonly HeaderEntry Header(int index)
    {
        if ((uint)index >= (uint)_headerCount)
        {
            ThrowIndex();
        }

        return ref _headers[index];
    }

    /// <summary>Parses a datagram (or one framed stream message) in place. Never throws for bad input.</summary>
    public SipError Parse(byte[] buffer, int offset, int length)
    {
        _buffer = buffer;
        _headerCount = 0;
        _present = 0;
        _cached = 0;
        ErrorHeaderName = TextRange.None;
        ErrorOffset = 0;
        IsRequest = false;
        StartLine = TextRange.None; // a message without a line end must not keep the previous message's start line
        Method = SipMethod.Unknown;
        MethodRange = TextRange.None;
        RequestUri = TextRange.None;
        RequestUriHostOffset = -1;
        StatusCode = 0;
        Reason = TextRange.None;
        Body = default;
        HeadersEnd = 0;
        ResetValues();
        if (buffer is null || offset < 0 || length < 0 || (uint)offset > (uint)buffer.Length || length > buffer.Length - offset)
        {
            _offset = 0;
            _length = 0;
            return Fail(SipError.BufferOutOfRange, 0);
        }

        _offset = offset;
        _length = length;
        SipError e = ParseCore(new ReadOnlySpan<byte>(buffer, offset, length));
        Error = e;
        return e;
    }

    private SipError ParseCore(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty)
        {
            return Fail(SipError.EmptyMessage, 0);
        }

        int lf = s.IndexOf((byte)'\n');
        if (lf < 0)
        {
            return Fail(SipError.Truncated, s.Length);
        }

        int lineEnd = lf > 0 && s[lf - 1] == '\r' ? lf - 1 : lf;
        StartLine = new TextRange(0, lineEnd);
        SipError e = ParseStartLine(s[..lineEnd]);
        if (e != SipError.None)
        {
            return e;
        }

        e = IndexHeaders(s, lf + 1);
        if (e != SipError.None)
        {
            return e;
        }

        e = CheckCharacters(s[..HeadersEnd]);
        if (e != SipError.None)
        {
            return e;
        }

        return CheckMandatory(s);
    }

    private SipError IndexHeaders(ReadOnlySpan<byte> s, int pos)
    {
        HeaderEntry[] headers = _headers;
        int count = 0;
        ulong present = 0;
        try
        {
            while (true)
            {
                if (pos >= s.Length)
                {
                    return Fail(SipError.MissingEmptyLine, s.Length);
                }

                int rel = s[pos..].IndexOf((byte)'\n');
                if (rel < 0)
                {
                    return Fail(SipError.MissingEmptyLine, s.Length);
                }

                int lf = pos + rel;
                int lineEnd = lf > pos && s[lf - 1] == '\r' ? lf - 1 : lf;
                if (lineEnd == pos)
                {
                    HeadersEnd = pos;
                    Body = new TextRange(lf + 1, s.Length - lf - 1);
                    return SipError.None;
                }

                byte first = s[pos];
                if (first == ' ' || first == '\t')
                {
                    if (count == 0)
                    {
                        return Fail(SipError.FoldingBeforeFirstHeader, pos);
                    }

                    ref HeaderEntry prev = ref headers[count - 1];
                    int end = SipText.TrimEnd(s, pos, lineEnd);
                    TextRange value = prev.Value;
                    if (end > pos)
                    {
                        value = value.Length == 0
                            ? TextRange.FromBounds(SkipSpaces(s, pos, end), end)
                            : TextRange.FromBounds(value.Start, end);
                    }

                    prev = prev with { Value = value, Line = TextRange.FromBounds(prev.Line.Start, lf + 1) };
                    pos = lf + 1;
                    continue;
                }

                int n = pos;
                while (n < lineEnd && SipText.IsTokenChar(s[n]))
                {
                    n++;
                }

                int nameEnd = n;
                while (n < lineEnd && (s[n] == ' ' || s[n] == '\t'))
                {
                    n++;
                }

                if (n >= lineEnd || s[n] != ':' || nameEnd == pos)
                {
                    bool noColon = s[pos..lineEnd].IndexOf((byte)':') < 0;
                    ErrorHeaderName = TextRange.FromBounds(pos, noColon || nameEnd == pos ? lineEnd : nameEnd);
                    return Fail(noColon ? SipError.HeaderWithoutColon : SipError.BadHeaderName, pos);
                }

                int colon = n;
                ReadOnlySpan<byte> name = s[pos..nameEnd];
                if (count == headers.Length)
                {
                    return Fail(SipError.TooManyHeaders, pos);
                }

                HeaderId id = HeaderNames.Lookup(name);
                ulong bit = 1UL << (int)id;
                if ((present & bit & SingleValueMask) != 0)
                {
                    ErrorHeaderName = TextRange.FromBounds(pos, nameEnd);
                    return Fail(SipError.DuplicateHeader, pos);
                }

                present |= bit;
                if ((bit & SingleValueMask) != 0)
                {
                    RememberSingle(id, count);
                }

                int vs = SkipSpaces(s, colon + 1, lineEnd);
                int ve = SipText.TrimEnd(s, vs, lineEnd);
                headers[count++] = new HeaderEntry(
                    id,
                    TextRange.FromBounds(pos, nameEnd),
                    TextRange.FromBounds(vs, ve),
                    TextRange.FromBounds(pos, lf + 1));
                pos = lf + 1;
            }
        }
        finally
        {
            _headerCount = count;
            _present = present;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipSpaces(ReadOnlySpan<byte> s, int i, int end)
    {
        while (i < end && (s[i] == ' ' || s[i] == '\t'))
        {
            i++;
        }

        return i;
    }

    private SipError CheckCharacters(ReadOnlySpan<byte> head)
    {
        int bad = head.IndexOfAny(SipText.ControlOrHigh);
        if (bad < 0)
        {
            return SipError.None;
        }

        return CheckCharactersSlow(head, bad);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private SipError CheckCharactersSlow(ReadOnlySpan<byte> head, int bad)
    {
        // A control byte is only allowed as the second byte of a quoted-pair (RFC 3261 §25.1; RFC 4475 intmeth).
        int from = bad;
        while (true)
        {
            int ctl = head[from..].IndexOfAny(SipText.Control);
            if (ctl < 0)
            {
                break;
            }

            ctl += from;
            if (ctl == 0 || head[ctl - 1] != '\\')
            {
                return Fail(SipError.ControlCharacter, ctl);
            }

            from = ctl + 1;
        }

        if (!System.Text.Unicode.Utf8.IsValid(head[bad..]))
        {
            return Fail(SipError.InvalidUtf8, bad);
        }

        return SipError.None;
    }

    private SipError Fail(SipError error, int offset)
    {
        Error = error;
        ErrorOffset = offset;
        return error;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowIndex() => throw new ArgumentOutOfRangeException("index");
}
