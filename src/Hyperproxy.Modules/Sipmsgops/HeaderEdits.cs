using System.Text;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Modules.Sipmsgops;

/// <summary>append_hf, insert_hf, remove_hf, is_present_hf, append_to_reply: header edits as lumps.</summary>
internal static class HeaderEdits
{
    private sealed record HeaderName(HeaderId Id, byte[] Name);

    /// <summary>The constant header name of argument <paramref name="index"/>, resolved to its id once.</summary>
    public static Func<CallArguments, object?> PrepareHeaderName(int index) => a =>
    {
        if (a.Fixed(index) is not string name)
        {
            return null;
        }

        byte[] bytes = Encoding.ASCII.GetBytes(name);
        return new HeaderName(HeaderNames.Lookup(bytes), bytes);
    };

    public static int IsPresent(ScriptContext c, CallArguments a) =>
        Find(c.Message, (HeaderName)a.State!, 0) >= 0 ? ScriptResult.True : ScriptResult.False;

    public static int AppendToReply(ScriptContext c, CallArguments a) =>
        c.AppendReplyHeaders(a.Bytes(c, 0)) ? ScriptResult.True : ScriptResult.False;

    public static int AppendHeader(ScriptContext c, CallArguments a)
    {
        ReadOnlySpan<byte> line = a.Bytes(c, 0);
        if (line.IsEmpty)
        {
            return ScriptResult.False;
        }

        if (a.State is HeaderName after)
        {
            int h = Find(c.Message, after, 0);
            if (h < 0)
            {
                return ScriptResult.False;
            }

            return c.Edits.AddHeaderAfter(h, line) == SipError.None ? ScriptResult.True : ScriptResult.False;
        }

        return c.Edits.AddHeader(line) == SipError.None ? ScriptResult.True : ScriptResult.False;
    }

    public static int InsertHeader(ScriptContext c, CallArguments a)
    {
        ReadOnlySpan<byte> line = a.Bytes(c, 0);
        if (line.IsEmpty || c.Message.HeaderCount == 0)
        {
            return ScriptResult.False;
        }

        int h = 0;
        if (a.State is HeaderName before)
        {
            h = Find(c.Message, before, 0);
            if (h < 0)
            {
                return ScriptResult.False;
            }
        }

        return c.Edits.AddHeaderBefore(h, line) == SipError.None ? ScriptResult.True : ScriptResult.False;
    }

    public static int RemoveHeader(ScriptContext c, CallArguments a)
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

        return removed > 0 ? ScriptResult.True : ScriptResult.False;
    }

    private static int Find(SipMessage m, HeaderName h, int start) =>
        h.Id != HeaderId.Other ? m.FindHeader(h.Id, start) : m.FindHeader(h.Name, start);
}
