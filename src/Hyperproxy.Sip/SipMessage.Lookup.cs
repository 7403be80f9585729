using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sip;

public sealed partial class SipMessage
{
    /// <summary>Index of the first header with <paramref name="id"/> at or after <paramref name="start"/>, or -1.</summary>
    public int FindHeader(HeaderId id, int start = 0)
    {
        if (id != HeaderId.Other && (_present & (1UL << (int)id)) == 0)
        {
            return -1;
        }

        HeaderEntry[] headers = _headers;
        for (int i = Math.Max(start, 0); i < _headerCount; i++)
        {
            if (headers[i].Id == id)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Index of the first header named <paramref name="name"/> (case-insensitive; a known name also matches its
    /// compact form and vice versa) at or after <paramref name="start"/>, or -1. For <c>$hdr(Name)</c>.
    /// </summary>
    public int FindHeader(ReadOnlySpan<byte> name, int start = 0)
    {
        HeaderId id = HeaderNames.Lookup(name);
        if (id != HeaderId.Other)
        {
            return FindHeader(id, start);
        }

        HeaderEntry[] headers = _headers;
        for (int i = Math.Max(start, 0); i < _headerCount; i++)
        {
            if (headers[i].Id == HeaderId.Other && SipText.EqualsIgnoreCase(Span(headers[i].Name), name))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Number of header lines with this id (<c>$hdrcnt</c>).</summary>
    public int CountHeaders(HeaderId id)
    {
        int n = 0;
        for (int i = FindHeader(id); i >= 0; i = FindHeader(id, i + 1))
        {
            n++;
        }

        return n;
    }

    /// <summary>Number of header lines with this name (case-insensitive, compact forms included).</summary>
    public int CountHeaders(ReadOnlySpan<byte> name)
    {
        int n = 0;
        for (int i = FindHeader(name); i >= 0; i = FindHeader(name, i + 1))
        {
            n++;
        }

        return n;
    }

    /// <summary>Value bytes of the first header with this id (empty when absent).</summary>
    public ReadOnlySpan<byte> HeaderValue(HeaderId id)
    {
        int i = FindHeader(id);
        return i < 0 ? default : Span(_headers[i].Value);
    }

    /// <summary>All comma-separated values of all headers with this id, in order (struct enumerator, no allocation).</summary>
    public HeaderValueEnumerator Values(HeaderId id) => new(this, id, -1);

    /// <summary>The comma-separated values of one header line.</summary>
    public HeaderValueEnumerator ValuesOf(int headerIndex) => new(this, Header(headerIndex).Id, headerIndex);
}
