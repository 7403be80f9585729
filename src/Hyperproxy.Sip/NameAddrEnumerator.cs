using System.Diagnostics.CodeAnalysis;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sip;

/// <summary>
/// Parses the name-addr elements of every header with one id (Contact, Route, Record-Route, Path...) in one pass:
/// each element is parsed where it stands and the parse finds the comma that ends it, so nothing is split first and
/// read again. Yields what <see cref="SipMessage.Values"/> plus <see cref="NameAddr.TryParse"/> would, element by
/// element (empty elements skipped). Stops at the first malformed element: <see cref="MoveNext"/> returns false and
/// <see cref="Failed"/> / <see cref="FailedValue"/> say which. The first elements of Contact, Route, Record-Route and
/// Path are kept on the message, so a second enumeration (or <see cref="SipMessage.Validate"/>) does not parse them again.
/// </summary>
public struct NameAddrEnumerator
{
    private readonly SipMessage _message;
    private readonly HeaderId _id;
    private readonly int _slot;
    private int _header;
    private int _pos;
    private int _end;
    private int _ordinal;
    private bool _done;
    private NameAddr _current;

    internal NameAddrEnumerator(SipMessage message, HeaderId id)
    {
        _message = message;
        _id = id;
        _slot = SipMessage.ListSlot(id);
        _header = -1;
        _pos = 0;
        _end = -1;
        _ordinal = 0;
        _done = false;
        _current = default;
        Failed = false;
        FailedValue = default;
    }

    /// <summary>The element (by reference: <c>foreach (ref readonly NameAddr r in m.NameAddrs(id))</c> copies nothing); ranges are offsets into <see cref="SipMessage.Bytes"/>.</summary>
    [UnscopedRef]
    public readonly ref readonly NameAddr Current => ref _current;

    /// <summary>Index of the header line <see cref="Current"/> is in.</summary>
    public readonly int HeaderIndex => _header;

    /// <summary>True when the enumeration stopped at a malformed element.</summary>
    public bool Failed { get; private set; }

    /// <summary>The malformed element (its header line and trimmed range) when <see cref="Failed"/>.</summary>
    public HeaderValue FailedValue { get; private set; }

    public readonly NameAddrEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_done)
        {
            return false;
        }

        int slot = _slot;
        if (slot >= 0)
        {
            int state = _message.ListState(slot);
            int count = state & SipMessage.ListCountMask;
            if (_ordinal < count)
            {
                ref readonly ListElement e = ref _message.CachedElement(slot, _ordinal);
                _current = e.Value;
                _header = e.HeaderIndex;
                _pos = e.Next;
                _end = e.End;
                _ordinal++;
                return true;
            }

            if ((state & SipMessage.ListDone) != 0)
            {
                _done = true;
                if ((state & SipMessage.ListFailed) != 0)
                {
                    Failed = true;
                    FailedValue = _message.ListFailure(slot);
                }

                return false;
            }

            bool found = Advance();
            if (_ordinal == count)
            {
                // Every element before this one is on the message: keep this one (or how the list ended) too.
                if (found)
                {
                    _message.KeepElement(slot, _ordinal, in _current, _header, _pos, _end);
                }
                else
                {
                    _message.KeepListEnd(slot, Failed, FailedValue);
                }
            }

            _ordinal++;
            return found;
        }

        return Advance();
    }

    /// <summary>Parses the next element; false at the end of the list or at a malformed element (then <see cref="Failed"/>).</summary>
    private bool Advance()
    {
        ReadOnlySpan<byte> s = _message.Bytes;
        while (true)
        {
            if (_pos >= _end)
            {
                int next = _message.FindHeader(_id, _header + 1);
                if (next < 0)
                {
                    _done = true;
                    return false;
                }

                _header = next;
                TextRange v = _message.Header(next).Value;
                _pos = v.Start;
                _end = v.End;
                continue;
            }

            int start = SipText.SkipLws(s[.._end], _pos);
            if (start < _end)
            {
                int stop = NameAddr.TryParseElement(s[.._end], start, out _current);
                if (stop >= 0)
                {
                    _pos = stop + 1;
                    return true;
                }

                // Spelt otherwise than usual (or malformed): split, then let the general parser decide.
                stop = HeaderValueEnumerator.FindComma(s, start, _end);
                _pos = stop + 1;
                int trimmed = SipText.TrimEnd(s, start, stop);
                if (trimmed > start)
                {
                    if (NameAddr.TryParse(s[start..trimmed], start, out _current))
                    {
                        return true;
                    }

                    _done = true;
                    Failed = true;
                    FailedValue = new HeaderValue(_header, TextRange.FromBounds(start, trimmed));
                    return false;
                }
            }
            else
            {
                _pos = _end;
            }
        }
    }
}
