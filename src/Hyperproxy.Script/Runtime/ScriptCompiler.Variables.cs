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
        // Known, always NULL until it exists: $return. $err.* are set for error_route.
        ["path"] = VariableId.PathVector, ["rr_params"] = VariableId.RouteParams, ["return"] = VariableId.Null, ["err.class"] = VariableId.ErrorClass,
        ["err.level"] = VariableId.ErrorLevel, ["err.info"] = VariableId.ErrorInfo, ["err.rcode"] = VariableId.ErrorReplyCode, ["err.rreason"] = VariableId.ErrorReplyReason,
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

            byte[] argument = t.Arguments.Count > 0 ? Utf8(t.Arguments[0]) : [];
            byte separator = t.Arguments.Count > 1 && t.Arguments[1].Length == 1 ? (byte)t.Arguments[1][0] : (byte)';';
            node = new Transformation(node, kind, argument, separator);
        }

        return node;
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
            case "socket_in":
            case "socket_out":
                return new VariableReader(VariableId.SocketIn, index: Math.Max(Array.IndexOf(s_socketFields, arg ?? string.Empty), 0));
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
            case "socket_out":
                id = VariableId.SocketIn;
                break;
            case "stat":
                id = VariableId.Null;
                break;
            default:
                if (!s_simple.TryGetValue(name, out id) || id is not (VariableId.RequestUri or VariableId.RequestUser or VariableId.RequestDomain
                        or VariableId.RequestPort or VariableId.DestinationUri or VariableId.DestinationDomain or VariableId.DestinationPort))
                {
                    Error(pv.Location, $"pseudo-variable '${name}' cannot be written");
                    return null;
                }

                break;
        }

        return new VariableWriter(id, slot, pv.Location, avpMode);
    }
}
