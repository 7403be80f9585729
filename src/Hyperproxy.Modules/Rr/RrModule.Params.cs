using System.Text;
using System.Text.RegularExpressions;
using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Rr;

/// <summary>check_route_param(), is_direction() and the get_route_param API over <c>$rr_params</c>.</summary>
public sealed partial class RrModule
{
    /// <summary>
    /// <c>get_route_param</c>: the value of parameter <paramref name="name"/> in <c>$rr_params</c>
    /// (case-sensitive name at a parameter start; empty for a parameter without value; a quoted
    /// value runs to its closing quote, which is included). False when absent or loose_route() did
    /// not process our Route.
    /// </summary>
    public static bool TryGetRouteParam(ScriptContext context, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) =>
        TryFindParam(context.RouteParams, name, out value) && context.HasRouteParams;

    /// <summary>Scans a <c>name[=value](;name[=value])*</c> list (no leading ';' needed) for <paramref name="name"/>.</summary>
    public static bool TryFindParam(ReadOnlySpan<byte> parameters, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        value = default;
        int i = 0;
        while (i < parameters.Length)
        {
            while (i < parameters.Length && (parameters[i] == (byte)';' || parameters[i] == (byte)' ' || parameters[i] == (byte)'\t'))
            {
                i++;
            }

            int start = i;
            while (i < parameters.Length && parameters[i] is not ((byte)'=' or (byte)';' or (byte)' ' or (byte)'\t'))
            {
                i++;
            }

            bool match = parameters[start..i].SequenceEqual(name);
            int j = i;
            while (j < parameters.Length && (parameters[j] == (byte)' ' || parameters[j] == (byte)'\t'))
            {
                j++;
            }

            if (j < parameters.Length && parameters[j] == (byte)'=')
            {
                j++;
                while (j < parameters.Length && (parameters[j] == (byte)' ' || parameters[j] == (byte)'\t'))
                {
                    j++;
                }

                int vs = j;
                if (j < parameters.Length && (parameters[j] == (byte)'"' || parameters[j] == (byte)'\''))
                {
                    byte quote = parameters[j++];
                    while (j < parameters.Length && parameters[j] != quote)
                    {
                        j += parameters[j] == (byte)'\\' ? 2 : 1;
                    }

                    j = Math.Min(j + 1, parameters.Length);
                }
                else
                {
                    while (j < parameters.Length && parameters[j] is not ((byte)';' or (byte)' ' or (byte)'\t'))
                    {
                        j++;
                    }
                }

                if (match)
                {
                    value = parameters[vs..j];
                    return true;
                }
            }
            else if (match && i > start)
            {
                return true;
            }

            i = j > start ? j : start + 1;
            while (i < parameters.Length && parameters[i] != (byte)';')
            {
                i++;
            }
        }

        return false;
    }

    /// <summary>check_route_param(re): the regex against <c>;</c> + <c>$rr_params</c>; -1 without params.</summary>
    public int CheckRouteParam(ScriptContext context, Regex regex)
    {
        if (!context.HasRouteParams || context.RouteParams.IsEmpty)
        {
            return ScriptResult.False;
        }

        ReadOnlySpan<byte> p = context.RouteParams;
        char[] chars = State(context).Chars;
        if (p.Length + 1 > chars.Length)
        {
            return ScriptResult.False;
        }

        chars[0] = ';';
        int n = Encoding.Latin1.GetChars(p, chars.AsSpan(1)) + 1;
        return regex.IsMatch(chars.AsSpan(0, n)) ? ScriptResult.True : ScriptResult.False;
    }

    /// <summary>is_direction(): downstream when the From tag equals <c>ftag</c> of our Route (or either is missing).</summary>
    public int IsDirection(ScriptContext context, bool upstream)
    {
        RrState s = State(context);
        if (s.Direction == 0)
        {
            SipMessage m = context.Message;
            TextRange fromTag = m.FromTag;
            bool down = !TryGetRouteParam(context, ModuleStrings.FtagName, out ReadOnlySpan<byte> ftag) || ftag.IsEmpty
                || !fromTag.IsPresent || fromTag.Length == 0 || m.Span(fromTag).SequenceEqual(ftag);
            s.Direction = down ? 1 : 2;
        }

        return (s.Direction == 2) == upstream ? ScriptResult.True : ScriptResult.False;
    }

    private int CheckRouteParamFunction(ScriptContext context, CallArguments args)
    {
        if (args.Fixed(0) is Regex regex)
        {
            return CheckRouteParam(context, regex);
        }

        // A pattern from a variable: compiled per call (cold; constant patterns are compiled at start-up).
        string pattern = Encoding.UTF8.GetString(args.Bytes(context, 0));
        if (!ScriptRegex.TryCreate(pattern, out Regex? dynamic, out _))
        {
            args.Error(context, "check_route_param: bad regular expression");
            return ScriptResult.False;
        }

        return CheckRouteParam(context, dynamic!);
    }

    private int IsDirectionFunction(ScriptContext context, CallArguments args)
    {
        if (!AppendFromtag)
        {
            args.Error(context, "is_direction() needs modparam(\"rr\", \"append_fromtag\", 1)");
            return ScriptResult.False;
        }

        return IsDirection(context, args.State is true);
    }
}
