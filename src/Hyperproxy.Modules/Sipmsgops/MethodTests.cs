using System.Text;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Sipmsgops;

/// <summary><c>is_method("INVITE|BYE")</c>: a bit mask of known methods, compared per message without text.</summary>
internal static class MethodTests
{
    private sealed record MethodSet(uint Mask, byte[][] Others);

    public static object? PrepareMethods(CallArguments a)
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

    public static int IsMethod(ScriptContext c, CallArguments a)
    {
        var set = (MethodSet)a.State!;
        SipMessage m = c.Message;
        SipMethod method = m.IsRequest ? m.Method : m.CSeqMethod;
        if (method != SipMethod.Unknown)
        {
            return (set.Mask & (1u << (int)method)) != 0 ? ScriptResult.True : ScriptResult.False;
        }

        ReadOnlySpan<byte> name = m.Span(m.IsRequest ? m.MethodRange : m.CSeqMethodRange);
        foreach (byte[] other in set.Others)
        {
            if (Ascii.EqualsIgnoreCase(name, other))
            {
                return ScriptResult.True;
            }
        }

        return ScriptResult.False;
    }
}
