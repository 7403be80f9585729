using System.Text;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Script.Runtime.Functions;

/// <summary>sl, signaling, maxfwd and sipmsgops functions at run time.</summary>
internal static class MessageFunctions
{
    private const int MaxLimit = 256;

    public static void Register(FunctionImplementations f)
    {
        f.Register("sl_send_reply", SendReply);
        f.Register("send_reply", SendReply);
        f.Register("sl_reply_error", (c, a) => c.ErrorCode == 0 ? -1 : c.Host.Reply(c, c.ErrorCode, c.ErrorReason));
        f.Register("mf_process_maxfwd_header", ProcessMaxForwards);
        f.Register("is_maxfwd_lt", (c, a) =>
        {
            int mf = c.Message.MaxForwards;
            return mf < 0 ? -1 : a.TryInt(c, 0, out int n) && mf < n ? 1 : -1;
        });
        f.Register("is_method", IsMethod, PrepareMethods);
        f.Register("has_totag", (c, a) => c.Message.ToTag is { IsPresent: true, Length: > 0 } ? 1 : -1);
        f.Register("append_hf", AppendHeader, PrepareHeaderName(1));
        f.Register("insert_hf", InsertHeader, PrepareHeaderName(1));
        f.Register("remove_hf", RemoveHeader, PrepareHeaderName(0));
        f.Register("is_present_hf", (c, a) => Find(c.Message, (HeaderName)a.State!, 0) >= 0 ? 1 : -1, PrepareHeaderName(0));
        f.Register("append_to_reply", (c, a) => c.AppendReplyHeaders(a.Bytes(c, 0)) ? 1 : -1);
        f.Register("ruri_has_param", RuriHasParam);
    }

    private static int SendReply(ScriptContext c, CallArguments a)
    {
        if (!a.TryInt(c, 0, out int code) || code < 100 || code > 699)
        {
            a.Error(c, "reply code is not a status code");
            return -1;
        }

        return c.Host.Reply(c, code, a.Bytes(c, 1));
    }

    /// <summary>
    /// RFC 3261 §16.6 step 3: no Max-Forwards → add one with N as the first header (2); 0 → -1;
    /// else decrement in place, right-aligned so the header keeps its length (1).
    /// </summary>
    private static int ProcessMaxForwards(ScriptContext c, CallArguments a)
    {
        SipMessage m = c.Message;
        int mf = m.MaxForwards;
        if (mf < 0)
        {
            if (!a.TryInt(c, 0, out int n))
            {
                return -2;
            }

            Span<byte> line = c.ArenaFree;
            "Max-Forwards: "u8.CopyTo(line);
            int len = 14 + ScriptText.WriteInt(n, line[14..]);
            "\r\n"u8.CopyTo(line[len..]);
            return c.Edits.AddHeaderBefore(0, line[..(len + 2)]) == SipError.None ? 2 : -2;
        }

        if (mf == 0)
        {
            return -1;
        }

        if (mf > MaxLimit)
        {
            mf = MaxLimit + 1;
        }

        TextRange value = m.Header(m.MaxForwardsIndex).Value;
        if (c.Edits.Replace(value, value.Length, out Span<byte> digits) != SipError.None)
        {
            return -2;
        }

        int v = mf - 1;
        for (int i = digits.Length - 1; i >= 0; i--)
        {
            digits[i] = v > 0 || i == digits.Length - 1 ? (byte)('0' + (v % 10)) : (byte)' ';
            v /= 10;
        }

        return 1;
    }

    private sealed record MethodSet(uint Mask, byte[][] Others);

    private static object? PrepareMethods(CallArguments a)
    {
        string[] names = a.Fixed(0) as string[] ?? [];
        uint mask = 0;
        var others = new List<byte[]>();
        foreach (string name in names)
        {
            if (Enum.TryParse(name, ignoreCase: true, out SipMethod method) && method != SipMethod.Unknown)
            {
                mask |= 1u << (int)method;
            }
            else
            {
                others.Add(Encoding.ASCII.GetBytes(name));
            }
        }

        return new MethodSet(mask, others.ToArray());
    }

    private static int IsMethod(ScriptContext c, CallArguments a)
    {
        var set = (MethodSet)a.State!;
        SipMessage m = c.Message;
        SipMethod method = m.IsRequest ? m.Method : m.CSeqMethod;
        if (method != SipMethod.Unknown)
        {
            return (set.Mask & (1u << (int)method)) != 0 ? 1 : -1;
        }

        ReadOnlySpan<byte> name = m.Span(m.IsRequest ? m.MethodRange : m.CSeqMethodRange);
        foreach (byte[] other in set.Others)
        {
            if (Ascii.EqualsIgnoreCase(name, other))
            {
                return 1;
            }
        }

        return -1;
    }

    private sealed record HeaderName(HeaderId Id, byte[] Name);

    private static Func<CallArguments, object?> PrepareHeaderName(int index) => a =>
    {
        if (a.Fixed(index) is not string name)
        {
            return null;
        }

        byte[] bytes = Encoding.ASCII.GetBytes(name);
        return new HeaderName(HeaderNames.Lookup(bytes), bytes);
    };

    private static int Find(SipMessage m, HeaderName h, int start) =>
        h.Id != HeaderId.Other ? m.FindHeader(h.Id, start) : m.FindHeader(h.Name, start);

    private static int AppendHeader(ScriptContext c, CallArguments a)
    {
        ReadOnlySpan<byte> line = a.Bytes(c, 0);
        if (line.IsEmpty)
        {
            return -1;
        }

        if (a.State is HeaderName after)
        {
            int h = Find(c.Message, after, 0);
            if (h < 0)
            {
                return -1;
            }

            return c.Edits.AddHeaderAfter(h, line) == SipError.None ? 1 : -1;
        }

        return c.Edits.AddHeader(line) == SipError.None ? 1 : -1;
    }

    private static int InsertHeader(ScriptContext c, CallArguments a)
    {
        ReadOnlySpan<byte> line = a.Bytes(c, 0);
        if (line.IsEmpty || c.Message.HeaderCount == 0)
        {
            return -1;
        }

        int h = 0;
        if (a.State is HeaderName before)
        {
            h = Find(c.Message, before, 0);
            if (h < 0)
            {
                return -1;
            }
        }

        return c.Edits.AddHeaderBefore(h, line) == SipError.None ? 1 : -1;
    }

    private static int RemoveHeader(ScriptContext c, CallArguments a)
    {
        var name = (HeaderName)a.State!;
        int removed = 0;
        for (int h = Find(c.Message, name, 0); h >= 0; h = Find(c.Message, name, h + 1))
        {
            if (c.Edits.RemoveHeader(h) == SipError.None)
            {
                removed++;
            }
        }

        return removed > 0 ? 1 : -1;
    }

    /// <summary>ruri_has_param(name[, value]): the current R-URI has the parameter (with that value).</summary>
    private static int RuriHasParam(ScriptContext c, CallArguments a)
    {
        ReadOnlySpan<byte> uri = c.RequestUri;
        if (!SipUri.TryParse(uri, out SipUri u) || !u.Params.IsPresent)
        {
            return -1;
        }

        ReadOnlySpan<byte> name = a.Bytes(c, 0);
        ReadOnlySpan<byte> ps = uri.Slice(u.Params.Start, u.Params.Length);
        int pos = 0;
        while (SipParams.TryNext(ps, ref pos, out TextRange n, out TextRange v, out _))
        {
            if (!Ascii.EqualsIgnoreCase(ps.Slice(n.Start, n.Length), name))
            {
                continue;
            }

            if (a.Count < 2)
            {
                return 1;
            }

            return v.IsPresent && Ascii.EqualsIgnoreCase(ps.Slice(v.Start, v.Length), a.Bytes(c, 1)) ? 1 : -1;
        }

        return -1;
    }
}
