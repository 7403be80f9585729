namespace Hyperproxy.Sip.Edits;

/// <summary>
/// Applies <see cref="SipEdits"/> to the original bytes of a message in one copy.
/// Content-Length fix-up: when any edit touches the body (an insert at a position in [Body.Start, Body.End], or a
/// delete overlapping the body), the writer rewrites the Content-Length value with the new body length (or adds a
/// <c>Content-Length: N</c> line at the end of the headers when the message had none). If the caller itself edited
/// the Content-Length value, its edit wins and no fix-up is made. Bytes after the body (past Content-Length) are
/// not copied.
/// </summary>
public static class SipWriter
{
    /// <summary>Writes the edited message; returns the number of bytes written or -1 when it does not fit.</summary>
    public static int Write(SipMessage message, SipEdits edits, Span<byte> destination)
    {
        if (edits.Message != message && edits.Count > 0)
        {
            throw new ArgumentException("The edits were recorded against another message.", nameof(edits));
        }

        ReadOnlySpan<byte> src = message.Bytes[..message.MessageLength];
        ReadOnlySpan<SipEdit> all = edits.Edits;
        ReadOnlySpan<int> order = edits.SortedOrder();

        // Content-Length fix-up as a virtual edit (position vPos, delete vLen, bytes in vBytes).
        Span<byte> vBytes = stackalloc byte[32];
        int vPos = -1;
        int vLen = 0;
        int vCount = 0;
        TextRange body = message.Body;
        int delta = 0;
        bool bodyEdited = false;
        foreach (ref readonly SipEdit e in all)
        {
            if (e.DeleteLength == 0)
            {
                if (e.Position >= body.Start && e.Position <= body.End)
                {
                    bodyEdited = true;
                    delta += e.InsertLength;
                }
            }
            else
            {
                int overlap = Math.Min(e.End, body.End) - Math.Max(e.Position, body.Start);
                if (overlap > 0 || (e.Position >= body.Start && e.Position <= body.End))
                {
                    bodyEdited = true;
                    delta += e.InsertLength - Math.Max(overlap, 0);
                }
            }
        }

        if (bodyEdited)
        {
            uint newLength = (uint)Math.Max(body.Length + delta, 0);
            int cl = message.FindHeader(HeaderId.ContentLength);
            if (cl >= 0)
            {
                TextRange v = message.Header(cl).Value;
                vPos = v.Start;
                vLen = v.Length;
                vCount = SipText.WriteUInt(newLength, vBytes);
                foreach (ref readonly SipEdit e in all)
                {
                    if (SipEdits.Conflicts(e.Position, e.End, v.Start, v.End) || (e.DeleteLength > 0 && e.Position == v.Start)
                        || (e.DeleteLength == 0 && e.Position > v.Start && e.Position < v.End))
                    {
                        vPos = -1;
                        break;
                    }
                }
            }
            else
            {
                vPos = message.HeadersEnd;
                "Content-Length: "u8.CopyTo(vBytes);
                int n = SipText.WriteUInt(newLength, vBytes[16..]);
                "\r\n"u8.CopyTo(vBytes[(16 + n)..]);
                vCount = 16 + n + 2;
            }
        }

        int pos = 0;
        int o = 0;
        int k = 0;
        while (true)
        {
            int position;
            int deleteLength;
            scoped ReadOnlySpan<byte> insert;
            bool takeVirtual = vPos >= 0 && (k == order.Length || vPos < all[order[k]].Position);
            if (takeVirtual)
            {
                position = vPos;
                deleteLength = vLen;
                insert = vBytes[..vCount];
                vPos = -1;
                if (position < pos)
                {
                    continue;
                }
            }
            else if (k < order.Length)
            {
                ref readonly SipEdit e = ref all[order[k++]];
                position = e.Position;
                deleteLength = e.DeleteLength;
                insert = edits.Bytes(e);
            }
            else
            {
                break;
            }

            int gap = position - pos;
            if (gap > 0)
            {
                if (gap > destination.Length - o)
                {
                    return -1;
                }

                src.Slice(pos, gap).CopyTo(destination[o..]);
                o += gap;
                pos = position;
            }

            if (insert.Length > destination.Length - o)
            {
                return -1;
            }

            insert.CopyTo(destination[o..]);
            o += insert.Length;
            pos += deleteLength;
        }

        int rest = src.Length - pos;
        if (rest > destination.Length - o)
        {
            return -1;
        }

        src[pos..].CopyTo(destination[o..]);
        return o + rest;
    }

    /// <summary>
    /// Copies source bytes [start, end) applying the edits that fall inside: inserts at gaps strictly after
    /// <paramref name="start"/> and before <paramref name="end"/>, deletes/replaces starting at or after start and
    /// ending at or before end. Returns false when the destination is full.
    /// </summary>
    internal static bool CopyRange(SipMessage message, SipEdits? edits, int start, int end, Span<byte> destination, ref int o)
    {
        ReadOnlySpan<byte> src = message.Bytes;
        int pos = start;
        if (edits is not null && edits.Count > 0 && edits.Message == message)
        {
            ReadOnlySpan<SipEdit> all = edits.Edits;
            foreach (int index in edits.SortedOrder())
            {
                ref readonly SipEdit e = ref all[index];
                bool inside = e.DeleteLength == 0
                    ? e.Position > start && e.Position < end
                    : e.Position >= start && e.End <= end;
                if (!inside || e.Position < pos)
                {
                    continue;
                }

                int gap = e.Position - pos;
                ReadOnlySpan<byte> insert = edits.Bytes(e);
                if (gap + insert.Length > destination.Length - o)
                {
                    return false;
                }

                src.Slice(pos, gap).CopyTo(destination[o..]);
                o += gap;
                insert.CopyTo(destination[o..]);
                o += insert.Length;
                pos = e.End;
            }
        }

        int rest = end - pos;
        if (rest > destination.Length - o)
        {
            return false;
        }

        src.Slice(pos, rest).CopyTo(destination[o..]);
        o += rest;
        return true;
    }
}
