using System.Text;
using System.Text.RegularExpressions;
using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Script.Syntax;

namespace Hyperproxy.Modules.Tm;

/// <summary>The bodies of tm's functions: argument handling here, the work in the worker's <see cref="ITmHost"/>.</summary>
internal static class TmFunctions
{
    /// <summary>t_relay's flags: OpenSIPS 3.x names separated by commas, or the ≤3.3 number.</summary>
    public static readonly ParameterFixup RelayFlags = c =>
    {
        string text = c.ToString().Trim();
        if (text.Length == 0)
        {
            return FixupResult.Ok(TmRelayFlags.None);
        }

        if (TryNumber(text, out int number))
        {
            if ((number & ~0x1E & ~0x01) != 0)
            {
                return FixupResult.Fail($"t_relay flags '{text}': unknown bits (0x01 no 100 Trying, 0x02 no-auto-477, 0x04 no-dns-failover, 0x08 pass-reason-hdr, 0x10 allow-no-cancel)");
            }

            TmRelayFlags f = TmRelayFlags.None;
            f |= (number & 0x08) != 0 ? TmRelayFlags.PassReasonHeader : 0;
            f |= (number & 0x10) != 0 ? TmRelayFlags.AllowNoCancel : 0;
            f |= (number & 0x01) != 0 ? TmRelayFlags.No100 : 0;
            f |= (number & 0x02) != 0 ? TmRelayFlags.NoAuto477 : 0;
            f |= (number & 0x04) != 0 ? TmRelayFlags.NoDnsFailover : 0;
            return FixupResult.Ok(f);
        }

        TmRelayFlags flags = TmRelayFlags.None;
        foreach (string part in text.Split(','))
        {
            switch (part.Trim())
            {
                case "no-auto-477": flags |= TmRelayFlags.NoAuto477; break;
                // There is no DNS failover (a next hop is one address), so there is nothing to turn off.
                case "no-dns-failover": flags |= TmRelayFlags.NoDnsFailover; break;
                case "pass-reason-hdr": flags |= TmRelayFlags.PassReasonHeader; break;
                case "allow-no-cancel": flags |= TmRelayFlags.AllowNoCancel; break;
                case "no-100-trying": flags |= TmRelayFlags.No100; break;
                default:
                    return FixupResult.Fail($"unknown t_relay flag '{part.Trim()}' (no-auto-477, no-dns-failover, pass-reason-hdr, allow-no-cancel, no-100-trying)");
            }
        }

        return FixupResult.Ok(flags);
    };

    /// <summary>t_local_replied's "all" or "last".</summary>
    public static readonly ParameterFixup LocalRepliedType = c => c.ToString() switch
    {
        "all" => FixupResult.Ok(true),
        "last" => FixupResult.Ok(false),
        var other => FixupResult.Fail($"t_local_replied takes \"all\" or \"last\", got '{other}'"),
    };

    /// <summary>t_cancel_branch's flags: "a" (all pending branches), "o" (all other branches), none (this branch).</summary>
    public static readonly ParameterFixup CancelFlags = c => c.ToString() switch
    {
        "" => FixupResult.Ok(0),
        "a" => FixupResult.Ok(1),
        "o" => FixupResult.Ok(2),
        var other => FixupResult.Fail($"t_cancel_branch takes \"a\", \"o\" or nothing, got '{other}'"),
    };

    public static int Relay(ScriptContext c, CallArguments a)
    {
        if (c.Host is not ITmHost tm)
        {
            return ScriptResult.False;
        }

        TmRelayFlags flags = a.Count > 0 && a.Fixed(0) is TmRelayFlags f ? f : TmRelayFlags.None;
        return tm.TRelay(c, flags, a.Count > 1 ? a.Bytes(c, 1) : default);
    }

    public static int NewTran(ScriptContext c, CallArguments a) => c.Host is ITmHost tm ? tm.TNewTran(c) : ScriptResult.False;

    public static int Reply(ScriptContext c, CallArguments a)
    {
        if (c.Host is not ITmHost tm)
        {
            return ScriptResult.False;
        }

        if (!a.TryInt(c, 0, out int code) || code < 100 || code > 699)
        {
            a.Error(c, "reply code is not a status code");
            return ScriptResult.False;
        }

        return tm.TReply(c, code, a.Bytes(c, 1));
    }

    public static int CheckTrans(ScriptContext c, CallArguments a) => c.Host is ITmHost tm ? tm.TCheckTrans(c) : ScriptResult.False;

    public static int OnFailure(ScriptContext c, CallArguments a) => Arm(c, a, TmRouteKind.Failure);

    public static int OnReply(ScriptContext c, CallArguments a) => Arm(c, a, TmRouteKind.Reply);

    public static int OnBranch(ScriptContext c, CallArguments a) => Arm(c, a, TmRouteKind.Branch);

    private static int Arm(ScriptContext c, CallArguments a, TmRouteKind kind)
    {
        if (c.Host is not ITmHost tm || a.Fixed(0) is not RouteDefinition route)
        {
            return ScriptResult.False;
        }

        tm.TArm(c, kind, route);
        return ScriptResult.True;
    }

    /// <summary>t_check_status(re): the regex against the status of the reply in hand ($T_reply_code).</summary>
    public static int CheckStatus(ScriptContext c, CallArguments a)
    {
        if (c.Host is not ITmHost tm)
        {
            return ScriptResult.False;
        }

        int code = tm.TReplyCode(c);
        if (code == 0)
        {
            return ScriptResult.False;
        }

        Span<char> digits = stackalloc char[3];
        digits[0] = (char)('0' + (code / 100));
        digits[1] = (char)('0' + (code / 10 % 10));
        digits[2] = (char)('0' + (code % 10));
        Regex? regex = a.Fixed(0) as Regex;
        if (regex is null)
        {
            // A pattern from a variable: compiled per call (cold; constant patterns are compiled at start-up).
            if (!ScriptRegex.TryCreate(Encoding.UTF8.GetString(a.Bytes(c, 0)), out regex, out _))
            {
                a.Error(c, "t_check_status: bad regular expression");
                return ScriptResult.False;
            }
        }

        return regex!.IsMatch(digits) ? ScriptResult.True : ScriptResult.False;
    }

    public static int WasCancelled(ScriptContext c, CallArguments a) =>
        c.Host is ITmHost tm && tm.TWasCancelled(c) ? ScriptResult.True : ScriptResult.False;

    public static int LocalReplied(ScriptContext c, CallArguments a) =>
        c.Host is ITmHost tm && tm.TLocalReplied(c, a.Fixed(0) is true) ? ScriptResult.True : ScriptResult.False;

    public static int CancelBranch(ScriptContext c, CallArguments a)
    {
        if (c.Host is not ITmHost tm)
        {
            return ScriptResult.False;
        }

        int mode = a.Count > 0 && a.Fixed(0) is int m ? m : 0;
        return tm.TCancelBranch(c, all: mode == 1, others: mode == 2);
    }

    public static int Replicate(ScriptContext c, CallArguments a) => c.Host is ITmHost tm ? tm.TReplicate(c, a.Bytes(c, 0)) : ScriptResult.False;

    private static bool TryNumber(string text, out int value)
    {
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return int.TryParse(text.AsSpan(2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out value);
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value);
    }
}
