using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Modules.Sl;

/// <summary>sl_send_reply, sl_reply_error (and signaling's send_reply, which is sl_send_reply without tm).</summary>
internal static class SlReplies
{
    /// <summary><c>sl_send_reply(code, reason)</c>: the host builds and sends the reply; its result is the function's.</summary>
    public static int SendReply(ScriptContext c, CallArguments a)
    {
        if (!a.TryInt(c, 0, out int code) || code < 100 || code > 699)
        {
            a.Error(c, "reply code is not a status code");
            return ScriptResult.False;
        }

        return c.Host.Reply(c, code, a.Bytes(c, 1));
    }

    /// <summary><c>send_reply(code, reason)</c> (signaling): through the transaction when one is bound to the request, else stateless.</summary>
    public static int SignalingReply(ScriptContext c, CallArguments a)
    {
        if (!a.TryInt(c, 0, out int code) || code < 100 || code > 699)
        {
            a.Error(c, "reply code is not a status code");
            return ScriptResult.False;
        }

        return Signal(c, code, a.Bytes(c, 1));
    }

    /// <summary>
    /// OpenSIPS's signaling API (<c>sigb.reply</c>), used by send_reply and by modules that answer (auth's challenges):
    /// t_reply when tm holds a transaction for the message in hand, else a stateless reply.
    /// </summary>
    public static int Signal(ScriptContext c, int code, ReadOnlySpan<byte> reason) =>
        c.Host is ITmHost tm && tm.THasTransaction(c) ? tm.TReply(c, code, reason) : c.Host.Reply(c, code, reason);

    /// <summary><c>sl_reply_error()</c>: the reply for the last parse/processing error of this message, if any.</summary>
    public static int ReplyError(ScriptContext c, CallArguments a) =>
        c.ErrorCode == 0 ? ScriptResult.False : c.Host.Reply(c, c.ErrorCode, c.ErrorReason);
}
