using Hyperproxy.Modules.Rr;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Path;

/// <summary>use_received: the rr callback that routes back to the address saved in <c>received</c>.</summary>
public sealed partial class PathModule
{
    /// <summary>
    /// Runs inside every loose_route() that reaches its end (also when it returns -1 for a
    /// pre-loaded request whose only Route was ours): the first <c>received</c> parameter of the
    /// processed Route is %-unescaped; <c>$du</c> := its address, with <c>;transport=x</c> when it
    /// carried one. Overrides any <c>$du</c> loose_route set.
    /// </summary>
    private static void ReceivedCallback(ScriptContext context, ReadOnlySpan<byte> routeParams, object? parameter)
    {
        if (!RrModule.TryFindParam(routeParams, ModuleStrings.ReceivedName, out ReadOnlySpan<byte> escaped) || escaped.IsEmpty)
        {
            return;
        }

        if (escaped.Length > 1 && escaped[0] == (byte)'"' && escaped[^1] == (byte)'"')
        {
            escaped = escaped[1..^1];
        }

        Span<byte> value = stackalloc byte[512];
        int n = Unescape(escaped, value);
        if (n < 0)
        {
            return;
        }

        ReadOnlySpan<byte> v = value[..n];
        int semi = v.IndexOf((byte)';');
        if (semi < 0)
        {
            context.SetDestination(v);
            return;
        }

        ReadOnlySpan<byte> rest = v[(semi + 1)..];
        int eq = rest.IndexOf((byte)'=');
        Span<byte> du = stackalloc byte[600];
        var w = new LineWriter(du);
        w.Append(v[..semi]);
        if (eq >= 0)
        {
            w.Append(";transport="u8);
            w.Append(rest[(eq + 1)..]);
        }

        if (w.Length > 0)
        {
            context.SetDestination(w.Written);
        }
    }

    /// <summary>%HH unescaping; -1 when it does not fit.</summary>
    internal static int Unescape(ReadOnlySpan<byte> s, Span<byte> destination)
    {
        int n = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (n >= destination.Length)
            {
                return -1;
            }

            byte b = s[i];
            if (b == (byte)'%' && i + 2 < s.Length && SipText.HexValue(s[i + 1]) >= 0 && SipText.HexValue(s[i + 2]) >= 0)
            {
                destination[n++] = (byte)((SipText.HexValue(s[i + 1]) << 4) | SipText.HexValue(s[i + 2]));
                i += 2;
            }
            else
            {
                destination[n++] = b;
            }
        }

        return n;
    }
}
