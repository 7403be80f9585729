using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Modules.Rr;

/// <summary>
/// The Route entries of one request (every comma-separated URI of every Route line, in order),
/// which of them loose_route removes, and the edits that remove them: a line whose entries all
/// go is deleted whole; otherwise each run of removed entries goes with its separating comma.
/// Per worker, reused; at most <see cref="Capacity"/> entries.
/// </summary>
internal sealed class RouteSet
{
    public const int Capacity = 64;

    private readonly HeaderValue[] _entries = new HeaderValue[Capacity];
    private readonly bool[] _deleted = new bool[Capacity];
    private SipMessage _message = null!;

    public int Count { get; private set; }

    /// <summary>Indexes the Route entries; false when there are more than <see cref="Capacity"/>.</summary>
    public bool Load(SipMessage message)
    {
        _message = message;
        Count = 0;
        foreach (HeaderValue hv in message.Values(HeaderId.Route))
        {
            if (Count == Capacity)
            {
                return false;
            }

            _deleted[Count] = false;
            _entries[Count++] = hv;
        }

        return true;
    }

    /// <summary>The URI of entry <paramref name="index"/> (range in the message) and its parse.</summary>
    public bool TryUri(int index, out TextRange uriRange, out SipUri uri)
    {
        uri = default;
        uriRange = default;
        HeaderValue e = _entries[index];
        if (!NameAddr.TryParse(_message.Span(e.Value), e.Value.Start, out NameAddr na) || na.IsStar)
        {
            return false;
        }

        uriRange = na.Uri;
        return SipUri.TryParse(_message.Span(uriRange), out uri);
    }

    public void Delete(int index) => _deleted[index] = true;

    /// <summary>Records the removals as edits (call once, after all <see cref="Delete"/>s).</summary>
    public SipError Flush(SipEdits edits)
    {
        int n = Count;
        int a = 0;
        while (a < n)
        {
            int line = _entries[a].HeaderIndex;
            int b = a;
            while (b + 1 < n && _entries[b + 1].HeaderIndex == line)
            {
                b++;
            }

            SipError e = FlushLine(edits, a, b);
            if (e != SipError.None)
            {
                return e;
            }

            a = b + 1;
        }

        return SipError.None;
    }

    private SipError FlushLine(SipEdits edits, int a, int b)
    {
        bool all = true;
        bool any = false;
        for (int i = a; i <= b; i++)
        {
            all &= _deleted[i];
            any |= _deleted[i];
        }

        if (!any)
        {
            return SipError.None;
        }

        if (all)
        {
            return edits.RemoveHeader(_entries[a].HeaderIndex);
        }

        int r = a;
        while (r <= b)
        {
            if (!_deleted[r])
            {
                r++;
                continue;
            }

            int end = r;
            while (end + 1 <= b && _deleted[end + 1])
            {
                end++;
            }

            TextRange range = end < b
                ? TextRange.FromBounds(_entries[r].Value.Start, _entries[end + 1].Value.Start)
                : TextRange.FromBounds(_entries[r - 1].Value.End, _entries[end].Value.End);
            SipError e = edits.Delete(range);
            if (e != SipError.None)
            {
                return e;
            }

            r = end + 1;
        }

        return SipError.None;
    }
}
