using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Maxfwd;

public sealed partial class MaxfwdModule
{
    /// <summary>
    /// RFC 3261 §16.6 step 3: no Max-Forwards → add one with N as the first header; 0 → exhausted;
    /// else decrement in place (capped at <see cref="MaxLimit"/>), right-aligned so the header keeps its length.
    /// </summary>
    private int ProcessMaxForwards(ScriptContext c, CallArguments a)
    {
        SipMessage m = c.Message;
        int mf = m.MaxForwards;
        if (mf < 0)
        {
            if (!a.TryInt(c, 0, out int n))
            {
                return MaxfwdResult.Error;
            }

            Span<byte> line = stackalloc byte[32];
            "Max-Forwards: "u8.CopyTo(line);
            int len = 14 + ScriptText.WriteInt(n, line[14..]);
            "\r\n"u8.CopyTo(line[len..]);
            return c.Edits.AddHeaderBefore(0, line[..(len + 2)]) == SipError.None ? MaxfwdResult.Added : MaxfwdResult.Error;
        }

        if (mf == 0)
        {
            return MaxfwdResult.Exhausted;
        }

        if (mf > MaxLimit)
        {
            mf = MaxLimit + 1;
        }

        TextRange value = m.Header(m.MaxForwardsIndex).Value;
        if (c.Edits.Replace(value, value.Length, out Span<byte> digits) != SipError.None)
        {
            return MaxfwdResult.Error;
        }

        int v = mf - 1;
        for (int i = digits.Length - 1; i >= 0; i--)
        {
            digits[i] = v > 0 || i == digits.Length - 1 ? (byte)('0' + (v % 10)) : (byte)' ';
            v /= 10;
        }

        return MaxfwdResult.Decremented;
    }

    /// <summary><c>is_maxfwd_lt(n)</c>: the request has a Max-Forwards below n.</summary>
    private static int IsMaxForwardsLessThan(ScriptContext c, CallArguments a)
    {
        int mf = c.Message.MaxForwards;
        return mf >= 0 && a.TryInt(c, 0, out int n) && mf < n ? ScriptResult.True : ScriptResult.False;
    }
}
