using Hyperproxy.Script.Runtime.Nodes;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Script.Runtime.Variables;

/// <summary>A transformation applied to a value: <c>{uri.user}</c>, <c>{uri.host}</c>, <c>{s.len}</c>, <c>{param.value,name}</c> ...</summary>
internal sealed class Transformation : ValueNode
{
    private readonly ValueNode _inner;
    private readonly Kind _kind;
    private readonly byte[] _argument;
    private readonly byte _separator;

    public Transformation(ValueNode inner, Kind kind, byte[] argument, byte separator)
    {
        _inner = inner;
        _kind = kind;
        _argument = argument;
        _separator = separator;
    }

    public enum Kind
    {
        UriUser,
        UriHost,
        UriPort,
        UriTransport,
        UriParams,
        UriParam,
        StringLength,
        StringInt,
        StringToLower,
        StringToUpper,
        ParamValue,
        ParamExists,
        ParamCount,
        NameAddrUri,
        NameAddrName,
    }

    /// <summary>The transformation names the runtime implements, with their kinds.</summary>
    public static readonly Dictionary<string, Kind> Known = new(StringComparer.Ordinal)
    {
        ["uri.user"] = Kind.UriUser,
        ["uri.host"] = Kind.UriHost,
        ["uri.domain"] = Kind.UriHost,
        ["uri.port"] = Kind.UriPort,
        ["uri.transport"] = Kind.UriTransport,
        ["uri.params"] = Kind.UriParams,
        ["uri.param"] = Kind.UriParam,
        ["s.len"] = Kind.StringLength,
        ["s.int"] = Kind.StringInt,
        ["s.tolower"] = Kind.StringToLower,
        ["s.toupper"] = Kind.StringToUpper,
        ["param.value"] = Kind.ParamValue,
        ["param.exist"] = Kind.ParamExists,
        ["param.count"] = Kind.ParamCount,
        ["nameaddr.uri"] = Kind.NameAddrUri,
        ["nameaddr.name"] = Kind.NameAddrName,
    };

    public override ScriptValue Evaluate(ScriptContext context)
    {
        ScriptValue v = _inner.Evaluate(context);
        if (v.IsNull)
        {
            return _kind == Kind.StringLength ? ScriptValue.FromInt(0) : ScriptValue.Null;
        }

        if (!v.HasString)
        {
            v = context.Store(context.AsBytes(v));
        }

        switch (_kind)
        {
            case Kind.UriUser: return UriParts.User(v);
            case Kind.UriHost: return UriParts.Host(v);
            case Kind.UriPort: return UriParts.Port(context, v, defaulted: false);
            case Kind.UriTransport: return UriParts.Transport(v);
            case Kind.UriParams: return UriParts.Params(v);
            case Kind.UriParam:
            {
                ScriptValue ps = UriParts.Params(v);
                return ps.IsNull ? ps : Param(ps, (byte)';', exists: false);
            }

            case Kind.StringLength: return ScriptValue.FromInt(v.Length);
            case Kind.StringInt: return ScriptText.TryParseInt(v.Span, out int n) ? ScriptValue.FromInt(n) : ScriptValue.FromInt(0);
            case Kind.StringToLower:
            case Kind.StringToUpper:
            {
                ScriptValue copy = context.Store(v.Span);
                Span<byte> bytes = context_span(copy);
                if (_kind == Kind.StringToLower)
                {
                    System.Text.Ascii.ToLowerInPlace(bytes, out _);
                }
                else
                {
                    System.Text.Ascii.ToUpperInPlace(bytes, out _);
                }

                return copy;
            }

            case Kind.ParamValue: return Param(v, _separator, exists: false);
            case Kind.ParamExists: return Param(v, _separator, exists: true);
            case Kind.ParamCount: return ScriptValue.FromInt(CountParams(v.Span, _separator));
            case Kind.NameAddrUri:
            case Kind.NameAddrName:
                if (!NameAddr.TryParse(v.Span, 0, out NameAddr na))
                {
                    return ScriptValue.Null;
                }

                return v.Slice(_kind == Kind.NameAddrUri ? na.Uri : na.DisplayName);
            default: return ScriptValue.Null;
        }

        static Span<byte> context_span(in ScriptValue s) => s.Buffer is null ? default : s.Buffer.AsSpan(s.Start, s.Length);
    }

    /// <summary>Finds <c>name[=value]</c> in a <c>a=1;b=2</c> list (leading separator allowed, names case-insensitive).</summary>
    private ScriptValue Param(in ScriptValue list, byte separator, bool exists)
    {
        ReadOnlySpan<byte> s = list.Span;
        int i = 0;
        while (i <= s.Length)
        {
            int end = s[i..].IndexOf(separator);
            end = end < 0 ? s.Length : i + end;
            ReadOnlySpan<byte> item = s[i..end];
            int eq = item.IndexOf((byte)'=');
            ReadOnlySpan<byte> name = Trim(eq < 0 ? item : item[..eq], out int nameLead);
            if (!name.IsEmpty && ScriptText.EqualsIgnoreCase(name, _argument))
            {
                if (exists)
                {
                    return ScriptValue.FromInt(1);
                }

                if (eq < 0)
                {
                    return list.Slice(end, 0);
                }

                ReadOnlySpan<byte> value = Trim(item[(eq + 1)..], out int lead);
                return list.Slice(i + eq + 1 + lead, value.Length);
            }

            if (end >= s.Length)
            {
                break;
            }

            i = end + 1;
            _ = nameLead;
        }

        return exists ? ScriptValue.FromInt(0) : ScriptValue.Null;
    }

    private static int CountParams(ReadOnlySpan<byte> s, byte separator)
    {
        int n = 0;
        foreach (Range r in s.Split(separator))
        {
            if (!Trim(s[r], out _).IsEmpty)
            {
                n++;
            }
        }

        return n;
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s, out int lead)
    {
        lead = 0;
        while (lead < s.Length && (s[lead] == ' ' || s[lead] == '\t'))
        {
            lead++;
        }

        int end = s.Length;
        while (end > lead && (s[end - 1] == ' ' || s[end - 1] == '\t'))
        {
            end--;
        }

        return s[lead..end];
    }
}
