using System.Runtime.CompilerServices;

namespace Hyperproxy.Sip.Edits;

/// <summary>
/// Edits recorded against the original bytes of one <see cref="SipMessage"/> (like OpenSIPS lumps), applied in one
/// copy by <see cref="SipWriter"/>. Per worker, reusable, fixed capacity; inserted bytes are copied into an owned arena.
/// Positions are gaps between bytes (offsets relative to the message start). Rules:
/// several edits at the same position are applied in the order they were recorded (an insert recorded before a
/// replace at the same start comes out before the replacement text, and vice versa); two deletes/replaces that
/// overlap, or an insert strictly inside a deleted range, are rejected with <see cref="SipError.EditsOverlap"/>.
/// </summary>
public sealed class SipEdits
{
    private readonly SipEdit[] _edits;
    private readonly int[] _order;
    private readonly byte[] _arena;
    private int _count;
    private int _arenaUsed;
    private bool _sorted;
    private SipMessage? _message;

    public SipEdits(int capacity = 64, int arenaSize = 8192)
    {
        _edits = new SipEdit[capacity];
        _order = new int[capacity];
        _arena = new byte[arenaSize];
    }

    /// <summary>The message the edits apply to (set by <see cref="Reset(SipMessage)"/>).</summary>
    public SipMessage? Message => _message;

    public int Count => _count;

    /// <summary>Clears all edits and binds them to <paramref name="message"/> (call after each parse).</summary>
    public void Reset(SipMessage message)
    {
        _message = message;
        Reset();
    }

    /// <summary>Where the edits stand now, for <see cref="Rewind"/>.</summary>
    public long Mark => ((long)_arenaUsed << 32) | (uint)_count;

    /// <summary>Drops every edit recorded after <paramref name="mark"/> (edits are kept in recording order).</summary>
    public void Rewind(long mark)
    {
        _count = (int)(uint)mark;
        _arenaUsed = (int)(mark >> 32);
        for (int i = 0; i < _count; i++)
        {
            _order[i] = i; // the sort starts again from recording order
        }

        _sorted = false;
    }

    /// <summary>
    /// Drops the edits recorded between <paramref name="from"/> and <paramref name="to"/> (two marks, in that order),
    /// keeping those recorded before and after: tm takes out what a branch_route did to one branch while keeping the
    /// edits completed after it (Record-Route, our Via). Marks taken after <paramref name="to"/> are no longer valid.
    /// </summary>
    public void Cut(long from, long to)
    {
        int first = (int)(uint)from;
        int last = (int)(uint)to;
        int arenaFrom = (int)(from >> 32);
        int arenaTo = (int)(to >> 32);
        if (last <= first || last > _count)
        {
            return;
        }

        int removed = last - first;
        int bytes = arenaTo - arenaFrom;
        for (int i = last; i < _count; i++)
        {
            SipEdit e = _edits[i];
            _edits[i - removed] = e with { ArenaOffset = e.ArenaOffset - bytes };
        }

        _arena.AsSpan(arenaTo, _arenaUsed - arenaTo).CopyTo(_arena.AsSpan(arenaFrom));
        _arenaUsed -= bytes;
        Rewind(((long)_arenaUsed << 32) | (uint)(_count - removed));
    }

    /// <summary>Clears all edits, keeping the bound message.</summary>
    public void Reset()
    {
        _count = 0;
        _arenaUsed = 0;
        _sorted = true;
    }

    /// <summary>Inserts bytes at gap <paramref name="position"/> (before the original byte at that offset).</summary>
    public SipError Insert(int position, ReadOnlySpan<byte> bytes) => Add(position, 0, bytes, default);

    /// <summary>Inserts bytes at gap <paramref name="position"/>; same as <see cref="Insert"/>.</summary>
    public SipError InsertBefore(int position, ReadOnlySpan<byte> bytes) => Add(position, 0, bytes, default);

    /// <summary>Inserts bytes at gap <paramref name="position"/>; same as <see cref="Insert"/> (kept for the lumps vocabulary).</summary>
    public SipError InsertAfter(int position, ReadOnlySpan<byte> bytes) => Add(position, 0, bytes, default);

    /// <summary>Inserts bytes just before <paramref name="range"/>.</summary>
    public SipError InsertBefore(TextRange range, ReadOnlySpan<byte> bytes) => Add(range.Start, 0, bytes, default);

    /// <summary>Inserts bytes just after <paramref name="range"/> (e.g. a parameter after a Via sent-by or a URI).</summary>
    public SipError InsertAfter(TextRange range, ReadOnlySpan<byte> bytes) => Add(range.End, 0, bytes, default);

    public SipError Delete(TextRange range) => Add(range.Start, range.Length, default, default);

    public SipError Replace(TextRange range, ReadOnlySpan<byte> bytes) => Add(range.Start, range.Length, bytes, default);

    /// <summary>
    /// Replaces <paramref name="range"/> with <paramref name="length"/> bytes that the caller writes into
    /// <paramref name="bytes"/> at once, before the next edit: a value computed in place (a decremented
    /// Max-Forwards) needs no copy. <paramref name="bytes"/> is empty when the edit is refused.
    /// </summary>
    public SipError Replace(TextRange range, int length, out Span<byte> bytes) => Reserve(range.Start, range.Length, length, out bytes);

    /// <summary>Appends a header line at the end of the header section. <paramref name="line"/> is "Name: value", CRLF optional.</summary>
    public SipError AddHeader(ReadOnlySpan<byte> line) => Add(Bound.HeadersEnd, 0, line, CrlfIfMissing(line));

    /// <summary>Adds a header line right after header <paramref name="headerIndex"/> (after its CRLF).</summary>
    public SipError AddHeaderAfter(int headerIndex, ReadOnlySpan<byte> line) =>
        Add(Bound.Header(headerIndex).Line.End, 0, line, CrlfIfMissing(line));

    /// <summary>Adds a header line right before header <paramref name="headerIndex"/> (e.g. a new top Via or Record-Route).</summary>
    public SipError AddHeaderBefore(int headerIndex, ReadOnlySpan<byte> line) =>
        Add(Bound.Header(headerIndex).Line.Start, 0, line, CrlfIfMissing(line));

    /// <summary>
    /// Adds a Route header line on top of the Route set (a pre-loaded route, RFC 3327 §5.3 / RFC 3261 §8.1.2): before
    /// the first Route when there is one, else after the last Via, else at the end of the headers.
    /// </summary>
    public SipError AddTopRoute(ReadOnlySpan<byte> line)
    {
        SipMessage m = Bound;
        int firstRoute = m.FindHeader(HeaderId.Route);
        if (firstRoute >= 0)
        {
            return AddHeaderBefore(firstRoute, line);
        }

        int lastVia = -1;
        for (int i = m.FindHeader(HeaderId.Via); i >= 0; i = m.FindHeader(HeaderId.Via, i + 1))
        {
            lastVia = i;
        }

        return lastVia >= 0 ? AddHeaderAfter(lastVia, line) : AddHeader(line);
    }

    /// <summary>Removes header line <paramref name="headerIndex"/> with its continuation lines and CRLF.</summary>
    public SipError RemoveHeader(int headerIndex) => Delete(Bound.Header(headerIndex).Line);

    /// <summary>Replaces the Request-URI of a request.</summary>
    public SipError SetRequestUri(ReadOnlySpan<byte> uri)
    {
        SipMessage m = Bound;
        return m.IsRequest ? Replace(m.RequestUri, uri) : SipError.EditOutOfRange;
    }

    internal ReadOnlySpan<SipEdit> Edits => new(_edits, 0, _count);

    internal ReadOnlySpan<byte> Bytes(in SipEdit e) => new(_arena, e.ArenaOffset, e.InsertLength);

    /// <summary>Edit indexes ordered by (position, recording order).</summary>
    internal ReadOnlySpan<int> SortedOrder()
    {
        if (!_sorted)
        {
            SipEdit[] edits = _edits;
            int[] order = _order;
            for (int i = 1; i < _count; i++)
            {
                int x = order[i];
                int p = edits[x].Position;
                int j = i - 1;
                while (j >= 0 && edits[order[j]].Position > p)
                {
                    order[j + 1] = order[j];
                    j--;
                }

                order[j + 1] = x;
            }

            _sorted = true;
        }

        return new ReadOnlySpan<int>(_order, 0, _count);
    }

    private SipMessage Bound
    {
        get
        {
            if (_message is null)
            {
                ThrowUnbound();
            }

            return _message!;
        }
    }

    private static ReadOnlySpan<byte> CrlfIfMissing(ReadOnlySpan<byte> line) =>
        line.Length >= 2 && line[^2] == '\r' && line[^1] == '\n' ? default : "\r\n"u8;

    private SipError Add(int position, int deleteLength, ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> suffix)
    {
        SipError error = Reserve(position, deleteLength, bytes.Length + suffix.Length, out Span<byte> to);
        if (error != SipError.None)
        {
            return error;
        }

        if (bytes.Length <= 8)
        {
            // Most edits are a few bytes (a port, a short parameter); a loop is cheaper than a Memmove call.
            for (int i = 0; i < bytes.Length; i++)
            {
                to[i] = bytes[i];
            }
        }
        else
        {
            bytes.CopyTo(to);
        }

        if (!suffix.IsEmpty)
        {
            suffix.CopyTo(to[bytes.Length..]);
        }

        return SipError.None;
    }

    /// <summary>
    /// Records the edit "replace <paramref name="deleteLength"/> bytes at <paramref name="position"/> with
    /// <paramref name="insertLength"/> bytes" and hands out the arena bytes to fill (<paramref name="to"/>).
    /// </summary>
    private SipError Reserve(int position, int deleteLength, int insertLength, out Span<byte> to)
    {
        to = default;
        SipMessage m = Bound;
        if (position < 0 || deleteLength < 0 || position + deleteLength > m.MessageLength)
        {
            return SipError.EditOutOfRange;
        }

        if (_count == _edits.Length)
        {
            return SipError.EditsFull;
        }

        if (insertLength > _arena.Length - _arenaUsed)
        {
            return SipError.EditArenaFull;
        }

        int end = position + deleteLength;
        for (int i = 0; i < _count; i++)
        {
            ref readonly SipEdit e = ref _edits[i];
            if (Conflicts(e.Position, e.End, position, end))
            {
                return SipError.EditsOverlap;
            }
        }

        to = _arena.AsSpan(_arenaUsed, insertLength);
        int index = _count++;
        _edits[index] = new SipEdit(position, deleteLength, _arenaUsed, insertLength);
        _arenaUsed += insertLength;
        _order[index] = index;
        if (index > 0 && _edits[_order[index - 1]].Position > position)
        {
            _sorted = false;
        }

        return SipError.None;
    }

    /// <summary>Two deletes overlap, or an insert falls strictly inside a delete.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Conflicts(int aStart, int aEnd, int bStart, int bEnd)
    {
        if (aEnd > aStart && bEnd > bStart)
        {
            return bStart < aEnd && aStart < bEnd;
        }

        if (aEnd > aStart)
        {
            return bStart > aStart && bStart < aEnd;
        }

        if (bEnd > bStart)
        {
            return aStart > bStart && aStart < bEnd;
        }

        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowUnbound() =>
        throw new InvalidOperationException("SipEdits.Reset(SipMessage) must be called before recording edits.");
}
