namespace Hyperproxy.Sak.Bench;

/// <summary>
/// Appends bytes to a batch slot; once something does not fit, every later append is refused and
/// <see cref="Ok"/> stays false (the caller drops that datagram). No allocation.
/// </summary>
public ref struct SlotWriter
{
    private readonly Span<byte> _slot;
    private int _length;
    private bool _ok;

    public SlotWriter(Span<byte> slot)
    {
        _slot = slot;
        _length = 0;
        _ok = true;
    }

    public readonly int Length => _length;

    public readonly bool Ok => _ok;

    public void Append(scoped ReadOnlySpan<byte> bytes)
    {
        if (!_ok || bytes.Length > _slot.Length - _length)
        {
            _ok = false;
            return;
        }
        bytes.CopyTo(_slot[_length..]);
        _length += bytes.Length;
    }

    /// <summary>Fixed-width lowercase hex (the sequence numbers in branches).</summary>
    public void AppendHex(ulong value, int digits)
    {
        if (!_ok || digits > _slot.Length - _length)
        {
            _ok = false;
            return;
        }
        for (int i = digits - 1; i >= 0; i--)
        {
            int nibble = (int)(value & 0xF);
            _slot[_length + i] = (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
            value >>= 4;
        }
        _length += digits;
    }

    /// <summary>A decimal number padded with zeros to <paramref name="width"/> digits (the template's user numbers).</summary>
    public void AppendDecimal(long value, int width)
    {
        if (!_ok || width > _slot.Length - _length)
        {
            _ok = false;
            return;
        }
        for (int i = width - 1; i >= 0; i--)
        {
            _slot[_length + i] = (byte)('0' + (int)(value % 10));
            value /= 10;
        }
        _length += width;
    }

    /// <summary>A decimal number without leading zeros.</summary>
    public void AppendDecimal(long value)
    {
        Span<byte> digits = stackalloc byte[20];
        int n = 0;
        do
        {
            digits[19 - n] = (byte)('0' + (int)(value % 10));
            value /= 10;
            n++;
        }
        while (value > 0);
        Append(digits[(20 - n)..]);
    }
}
