using Hyperproxy.Script.Runtime.Nodes;
using Hyperproxy.Script.Runtime.Variables;
using Hyperproxy.Script.Syntax;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Script.Runtime;

public sealed partial class ScriptCompiler
{
    private static readonly Dictionary<string, VariableId> s_simple = new(StringComparer.Ordinal)
    {
        ["ru"] = VariableId.RequestUri, ["rU"] = VariableId.RequestUser, ["rd"] = VariableId.RequestDomain,
        ["rp"] = VariableId.RequestPort, ["rP"] = VariableId.RequestProto, ["ou"] = VariableId.OriginalUri,
        ["oU"] = VariableId.OriginalUser, ["od"] = VariableId.OriginalDomain, ["op"] = VariableId.OriginalPort,
        ["du"] = VariableId.DestinationUri, ["dd"] = VariableId.DestinationDomain, ["dp"] = VariableId.DestinationPort,
        ["dP"] = VariableId.DestinationProto, ["rm"] = VariableId.Method, ["rs"] = VariableId.Status, ["rr"] = VariableId.Reason,
        ["si"] = VariableId.SourceIp, ["sp"] = VariableId.SourcePort, ["Ri"] = VariableId.ReceivedIp, ["Rp"] = VariableId.ReceivedPort,
        ["pr"] = VariableId.Proto, ["af"] = VariableId.AddressFamily,
        ["fu"] = VariableId.FromUri, ["fU"] = VariableId.FromUser, ["fd"] = VariableId.FromDomain, ["fn"] = VariableId.FromName,
        ["ft"] = VariableId.FromTag, ["tu"] = VariableId.ToUri, ["tU"] = VariableId.ToUser, ["td"] = VariableId.ToDomain,
        ["tn"] = VariableId.ToName, ["tt"] = VariableId.ToTag, ["ci"] = VariableId.CallId, ["cs"] = VariableId.CSeq,
        ["cl"] = VariableId.ContentLength, ["cT"] = VariableId.ContentType, ["ua"] = VariableId.UserAgent, ["ct"] = VariableId.Contact,
        ["rb"] = VariableId.Body, ["mb"] = VariableId.MessageBuffer, ["ml"] = VariableId.MessageLength, ["mi"] = VariableId.MessageId,
        ["retcode"] = VariableId.RetCode, ["Ts"] = VariableId.TimeSeconds, ["Tsm"] = VariableId.TimeMicros, ["TS"] = VariableId.StartTime,
        ["bf"] = VariableId.BranchFlags, ["mf"] = VariableId.MessageFlags,
        // $err.* are set for error_route.
        ["au"] = VariableId.AuthUser, ["ad"] = VariableId.AuthDomain, ["aU"] = VariableId.AuthWholeUser, ["ar"] = VariableId.AuthRealm,
        ["adu"] = VariableId.AuthUri, ["an"] = VariableId.AuthNonce, ["auth.nonce"] = VariableId.AuthNonce, ["auth.resp"] = VariableId.AuthResponse,
        ["auth.opaque"] = VariableId.AuthOpaque, ["auth.alg"] = VariableId.AuthAlgorithm, ["auth.qop"] = VariableId.AuthQop,
        ["auth.nc"] = VariableId.AuthNc, ["auth.cnonce"] = VariableId.AuthCnonce,
        ["path"] = VariableId.PathVector, ["rr_params"] = VariableId.RouteParams, ["err.class"] = VariableId.ErrorClass,
        ["err.level"] = VariableId.ErrorLevel, ["err.info"] = VariableId.ErrorInfo, ["err.rcode"] = VariableId.ErrorReplyCode, ["err.rreason"] = VariableId.ErrorReplyReason,
        // tm's $T_* (declared in tm's export table; the transaction layer answers them).
        ["T_reply_code"] = VariableId.TmReplyCode, ["T_reply_reason"] = VariableId.TmReplyReason, ["T_branch_idx"] = VariableId.TmBranchIndex,
        ["T_ruri"] = VariableId.TmRequestUri, ["T_fr_timeout"] = VariableId.TmFrTimeout, ["T_fr_inv_timeout"] = VariableId.TmFrInvTimeout,
    };

    private static readonly string[] s_socketFields = ["", "ip", "port", "proto", "af", "advertised_ip", "advertised_port", "tag", "anycast"];
    private static readonly string[] s_contactFields = ["uri", "name", "q", "expires", "params"];

    /// <summary>A reader for a pseudo-variable, with its transformations applied in order.</summary>
    private ValueNode CompileVariable(PseudoVariableExpression pv)
    {
        ValueNode node = CompileVariableReader(pv);
        foreach (BoundTransformation t in pv.Transformations)
        {
            if (!Transformation.Known.TryGetValue(t.Declaration.Name, out Transformation.Kind kind))
            {
                Error(pv.Location, $"transformation '{{{t.Declaration.Name}}}' is not implemented yet");
                continue;
            }

            node = CompileTransformation(pv, node, t, kind) ?? node;
        }

        return node;
    }

    /// <summary>One transformation: constant arguments checked and converted now, pseudo-variable ones compiled.</summary>
    private Transformation? CompileTransformation(PseudoVariableExpression pv, ValueNode inner, BoundTransformation t, Transformation.Kind kind)
    {
        string name = t.Declaration.Name;
        var dynamic = new ValueNode?[t.Variables.Count];
        for (int i = 0; i < dynamic.Length; i++)
        {
            dynamic[i] = t.Variables[i] is { } v ? CompileVariable(v) : null;
        }

        ValueNode? Dynamic(int i) => i < dynamic.Length ? dynamic[i] : null;
        string Text(int i) => i < t.Arguments.Count ? t.Arguments[i] : string.Empty;

        bool IntArgument(int i, string what, out int value)
        {
            value = 0;
            if (Dynamic(i) is not null || int.TryParse(Text(i), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out value))
                return true;
            Error(pv.Location, $"transformation '{{{name}}}': {what} '{Text(i)}' is not an integer");
            return false;
        }

        bool SeparatorArgument(int i, out byte separator)
        {
            separator = (byte)';';
            if (i >= t.Arguments.Count)
                return true;
            string text = Text(i);
            if (text.Length == 1 && text[0] < 0x80)
            {
                separator = (byte)text[0];
                return true;
            }

            Error(pv.Location, $"transformation '{{{name}}}': the separator must be one character, got '{text}'");
            return false;
        }

        if (kind == Transformation.Kind.StringSubstring)
        {
            return IntArgument(0, "offset", out int offset) && IntArgument(1, "length", out int length)
                ? new Transformation(inner, kind, [], 0, offset, length, Dynamic(0), Dynamic(1))
                : null;
        }

        // Everywhere else the second argument is a separator.
        if (Dynamic(1) is not null)
        {
            Error(pv.Location, $"transformation '{{{name}}}': the separator must be a constant character");
            return null;
        }

        if (kind == Transformation.Kind.StringSelect)
        {
            return IntArgument(0, "index", out int index) && SeparatorArgument(1, out byte field)
                ? new Transformation(inner, kind, [], field, index, 0, Dynamic(0))
                : null;
        }

        byte[] argument = t.Arguments.Count > 0 && Dynamic(0) is null ? Utf8(t.Arguments[0]) : [];
        return SeparatorArgument(1, out byte separator)
            ? new Transformation(inner, kind, argument, separator, firstNode: Dynamic(0))
            : null;
    }

    private ValueNode CompileVariableReader(PseudoVariableExpression pv)
    {
        string name = pv.Declaration?.Name ?? pv.Syntax.Name;
        string? arg = pv.Argument;
        if (s_simple.TryGetValue(name, out VariableId id))
        {
            return new VariableReader(id);
        }

        switch (name)
        {
            case "var":
                return new VariableReader(VariableId.Var, slot: Slot("var", arg!));
            case "avp":
                return new VariableReader(VariableId.Avp, indexKind: pv.IndexKind, index: pv.IndexValue, slot: Slot("avp", arg!));
            case "time":
                return new VariableReader(VariableId.Time, Utf8(arg!));
            case "stat":
                return new VariableReader(VariableId.Statistic, Utf8(arg!));
            case "hdr":
            case "hdrcnt":
            {
                byte[] bytes = Utf8(arg!);
                return new VariableReader(name == "hdr" ? VariableId.Header : VariableId.HeaderCount, bytes, HeaderNames.Lookup(bytes),
                    pv.IndexKind, pv.IndexValue);
            }

            case "param":
                return new VariableReader(VariableId.Param, index: int.Parse(arg!, System.Globalization.CultureInfo.InvariantCulture));
            case "return":
                return new VariableReader(VariableId.ReturnValue, index: int.Parse(arg!, System.Globalization.CultureInfo.InvariantCulture));
            case "socket_in":
            case "socket_out":
                return new VariableReader(name == "socket_in" ? VariableId.SocketIn : VariableId.SocketOut, index: Math.Max(Array.IndexOf(s_socketFields, arg ?? string.Empty), 0));
            case "fs":
                return new VariableReader(VariableId.ForcedSocket);
            case "ct.fields":
                return new VariableReader(VariableId.ContactField, index: Array.IndexOf(s_contactFields, arg!));
            default:
                Error(pv.Location, $"pseudo-variable '${name}' is not implemented yet");
                return new VariableReader(VariableId.Null);
        }
    }

    private VariableWriter? CompileWriter(PseudoVariableExpression pv, VariableWriter.AvpMode avpMode = VariableWriter.AvpMode.Push)
    {
        string name = pv.Declaration?.Name ?? pv.Syntax.Name;
        VariableId id;
        int slot = 0;
        switch (name)
        {
            case "var":
                id = VariableId.Var;
                slot = Slot(name, pv.Argument!);
                break;
            case "avp":
                if (pv.IndexKind != PseudoVariableIndexKind.None)
                {
                    Error(pv.Location, "an indexed $avp cannot be written (use = to add, := to replace all)");
                    return null;
                }

                id = VariableId.Avp;
                slot = Slot(name, pv.Argument!);
                break;
            case "socket_out" or "fs":
                id = VariableId.SocketIn;
                break;
            case "stat":
                id = VariableId.Null;
                break;
            default:
                if (!s_simple.TryGetValue(name, out id) || id is not (VariableId.RequestUri or VariableId.RequestUser or VariableId.RequestDomain
                        or VariableId.RequestPort or VariableId.DestinationUri or VariableId.DestinationDomain or VariableId.DestinationPort
                        or VariableId.TmFrTimeout or VariableId.TmFrInvTimeout))
                {
                    Error(pv.Location, $"pseudo-variable '${name}' cannot be written");
                    return null;
                }

                break;
        }

        return new VariableWriter(id, slot, pv.Location, avpMode);
    }
}
