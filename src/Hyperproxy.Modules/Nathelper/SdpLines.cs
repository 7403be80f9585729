using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Nathelper;

/// <summary>Walks SDP lines (<c>x=value</c>, CRLF or LF); <see cref="Start"/>/<see cref="Value"/> are relative to the body.</summary>
internal ref struct SdpLines
{
    private readonly ReadOnlySpan<byte> _body;
    private int _next;

    public SdpLines(ReadOnlySpan<byte> body)
    {
        _body = body;
        _next = 0;
        Type = 0;
        Start = 0;
        ValueStart = 0;
        End = 0;
    }

    /// <summary>The line's type letter.</summary>
    public byte Type { get; private set; }

    /// <summary>Offset of the line in the body.</summary>
    public int Start { get; private set; }

    /// <summary>Offset of the value (after <c>x=</c>).</summary>
    public int ValueStart { get; private set; }

    /// <summary>Offset just past the value (before CR/LF).</summary>
    public int End { get; private set; }

    /// <summary>Offset just past the line's end of line.</summary>
    public readonly int Next => _next;

    public readonly ReadOnlySpan<byte> Value => _body[ValueStart..End];

    public bool MoveNext()
    {
        while (_next < _body.Length)
        {
            int start = _next;
            int lf = _body[start..].IndexOf((byte)'\n');
            int lineEnd = lf < 0 ? _body.Length : start + lf;
            _next = lf < 0 ? _body.Length : lineEnd + 1;
            int end = lineEnd > start && _body[lineEnd - 1] == (byte)'\r' ? lineEnd - 1 : lineEnd;
            if (end - start >= 2 && _body[start + 1] == (byte)'=')
            {
                Type = _body[start];
                Start = start;
                ValueStart = start + 2;
                End = end;
                return true;
            }
        }

        return false;
    }

    /// <summary><c>IN IP4 addr</c> / <c>IN IP6 addr</c> (c= value, or the tail of o=): the address range within <paramref name="value"/>.</summary>
    public static bool TryConnectionAddress(ReadOnlySpan<byte> value, out bool ip6, out TextRange address)
    {
        ip6 = false;
        address = default;
        if (value.Length < 8 || !value.StartsWith("IN IP"u8) || value[6] != (byte)' ')
        {
            return false;
        }

        ip6 = value[5] == (byte)'6';
        if (!ip6 && value[5] != (byte)'4')
        {
            return false;
        }

        int start = 7;
        int end = value[start..].IndexOfAny((byte)'/', (byte)' ');
        end = end < 0 ? value.Length : start + end;
        if (end <= start)
        {
            return false;
        }

        address = TextRange.FromBounds(start, end);
        return true;
    }

    /// <summary>The <c>IN IPx addr</c> part of an o= value: after the third space (username, sess-id, sess-version).</summary>
    public static int OriginNetStart(ReadOnlySpan<byte> value)
    {
        int spaces = 0;
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == (byte)' ' && ++spaces == 3)
            {
                return i + 1;
            }
        }

        return -1;
    }
}
