using Hyperproxy.Script.Runtime.Nodes;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Script.Runtime.Variables;

/// <summary>
/// A transformation applied to a value: <c>{uri.user}</c>, <c>{s.len}</c>, <c>{param.value,name}</c>,
/// <c>{s.substr,1,3}</c> ... Arguments are constants fixed at start-up, or one pseudo-variable each (read per
/// message: <c>{s.substr,$var(i),1}</c>). Results are slices of the value or written into the context's arena.
/// </summary>
internal sealed class Transformation : ValueNode
{
    private readonly ValueNode _inner;
    private readonly Kind _kind;
    private readonly byte[] _argument;
    private readonly byte _separator;
    private readonly int _first;
    private readonly int _second;
    private readonly ValueNode? _firstNode;
    private readonly ValueNode? _secondNode;

    /// <param name="argument">The first argument's bytes (a parameter name).</param>
    /// <param name="separator">The separator argument (param lists, s.select).</param>
    /// <param name="first">The first argument as an integer (s.substr offset, s.select index).</param>
    /// <param name="second">The second argument as an integer (s.substr length).</param>
    /// <param name="firstNode">The first argument when it is a pseudo-variable.</param>
    /// <param name="secondNode">The second argument when it is a pseudo-variable.</param>
    public Transformation(ValueNode inner, Kind kind, byte[] argument, byte separator, int first = 0, int second = 0,
        ValueNode? firstNode = null, ValueNode? secondNode = null)
    {
        _inner = inner;
        _kind = kind;
        _argument = argument;
        _separator = separator;
        _first = first;
        _second = second;
        _firstNode = firstNode;
        _secondNode = secondNode;
    }

    public enum Kind
    {
        UriUser,
        UriHost,
        UriPort,
        UriTransport,
        UriParams,
        UriParam,
        UriHeaders,
        UriScheme,
        StringLength,
        StringInt,
        StringToLower,
        StringToUpper,
        StringTrim,
        StringMd5,
        StringSubstring,
        StringSelect,
        ParamValue,
        ParamExists,
        ParamCount,
        NameAddrUri,
        NameAddrName,
        NameAddrParam,
        IpIsIp,
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
        ["uri.headers"] = Kind.UriHeaders,
        ["uri.scheme"] = Kind.UriScheme,
        ["s.len"] = Kind.StringLength,
        ["s.int"] = Kind.StringInt,
        ["s.tolower"] = Kind.StringToLower,
        ["s.toupper"] = Kind.StringToUpper,
        ["s.trim"] = Kind.StringTrim,
        ["s.md5"] = Kind.StringMd5,
        ["s.substr"] = Kind.StringSubstring,
        ["s.select"] = Kind.StringSelect,
        ["param.value"] = Kind.ParamValue,
        ["param.exist"] = Kind.ParamExists,
        ["param.count"] = Kind.ParamCount,
        ["nameaddr.uri"] = Kind.NameAddrUri,
        ["nameaddr.name"] = Kind.NameAddrName,
        ["nameaddr.param"] = Kind.NameAddrParam,
        ["ip.isip"] = Kind.IpIsIp,
    };

    public override ScriptValue Evaluate(ScriptContext context)
    {
        ScriptValue v = _inner.Evaluate(context);
        if (v.IsNull)
        {
            return _kind switch
            {
                Kind.StringLength => ScriptValue.FromInt(0),
                Kind.IpIsIp => ScriptValue.FromInt(0),
                _ => ScriptValue.Null,
            };
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
                return ps.IsNull ? ps : Param(ps, Name(context), (byte)';', exists: false);
            }

            case Kind.UriHeaders: return UriParts.Headers(v);
            case Kind.UriScheme: return UriParts.Scheme(v);
            case Kind.StringLength: return ScriptValue.FromInt(v.Length);
            case Kind.StringInt: return ScriptText.TryParseInt(v.Span, out int n) ? ScriptValue.FromInt(n) : ScriptValue.FromInt(0);
            case Kind.StringToLower:
            case Kind.StringToUpper:
            {
                ScriptValue copy = context.Store(v.Span);
                Span<byte> bytes = Writable(copy);
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

            case Kind.StringTrim:
            {
                ReadOnlySpan<byte> s = v.Span;
                int lead = 0;
                while (lead < s.Length && IsBlank(s[lead]))
                {
                    lead++;
                }

                int end = s.Length;
                while (end > lead && IsBlank(s[end - 1]))
                {
                    end--;
                }

                return v.Slice(lead, end - lead);
            }

            case Kind.StringMd5: return Md5Hex(context, v.Span);
            case Kind.StringSubstring: return Substring(context, v);
            case Kind.StringSelect: return Select(context, v);
            case Kind.ParamValue: return Param(v, Name(context), _separator, exists: false);
            case Kind.ParamExists: return Param(v, Name(context), _separator, exists: true);
            case Kind.ParamCount: return ScriptValue.FromInt(CountParams(v.Span, _separator));
            case Kind.NameAddrUri:
            case Kind.NameAddrName:
            case Kind.NameAddrParam:
                if (!NameAddr.TryParse(v.Span, 0, out NameAddr na))
                {
                    return ScriptValue.Null;
                }

                return _kind switch
                {
                    Kind.NameAddrUri => v.Slice(na.Uri),
                    Kind.NameAddrName => v.Slice(na.DisplayName),
                    _ => HeaderParam(v, na.Params, Name(context)),
                };
            case Kind.IpIsIp:
                return ScriptValue.FromInt(NetAddress.TryParse(v.Span, 0, out _) ? 1 : 0);
            default: return ScriptValue.Null;
        }
    }

    private static Span<byte> Writable(in ScriptValue s) => s.Buffer is null ? default : s.Buffer.AsSpan(s.Start, s.Length);

    private static bool IsBlank(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    /// <summary>The name argument: the constant, or the pseudo-variable's current value.</summary>
    private ReadOnlySpan<byte> Name(ScriptContext context) => _firstNode is null ? _argument : context.AsBytes(_firstNode.Evaluate(context));

    /// <summary>An integer argument: the constant, or the pseudo-variable's value (false when it is not an integer).</summary>
    private static bool Int(ScriptContext context, ValueNode? node, int constant, out int value)
    {
        if (node is null)
        {
            value = constant;
            return true;
        }

        return node.Evaluate(context).TryGetInt(out value);
    }

    /// <summary>
    /// <c>{s.substr,offset,length}</c>: a negative offset counts from the end (-1 = last byte); a length below 1
    /// counts back from the end (0 = to the end); the length is cut at the end. Out of range → NULL.
    /// </summary>
    private ScriptValue Substring(ScriptContext context, in ScriptValue v)
    {
        if (!Int(context, _firstNode, _first, out int offset) || !Int(context, _secondNode, _second, out int length))
        {
            return ScriptValue.Null;
        }

        int total = v.Length;
        if (offset < 0)
        {
            if (-(long)offset > total)
            {
                return ScriptValue.Null;
            }

            offset += total;
        }

        if (offset >= total)
        {
            return ScriptValue.Null;
        }

        if (length < 1)
        {
            length = total + length - offset;
        }

        if (length > total - offset)
        {
            length = total - offset;
        }

        return length < 0 ? ScriptValue.Null : v.Slice(offset, length);
    }

    /// <summary>
    /// <c>{s.select,index,separator}</c>: the index-th field (0 = first; -1 = last) of the value split at the separator
    /// byte; NULL when there are not that many fields.
    /// </summary>
    private ScriptValue Select(ScriptContext context, in ScriptValue v)
    {
        if (!Int(context, _firstNode, _first, out int index))
        {
            return ScriptValue.Null;
        }

        ReadOnlySpan<byte> s = v.Span;
        if (index >= 0)
        {
            int start = 0;
            for (; index > 0; index--)
            {
                int next = s[start..].IndexOf(_separator);
                if (next < 0)
                {
                    return ScriptValue.Null;
                }

                start += next + 1;
            }

            int end = s[start..].IndexOf(_separator);
            return v.Slice(start, end < 0 ? s.Length - start : end);
        }

        int stop = s.Length;
        for (int skip = -index - 1; skip > 0; skip--)
        {
            int previous = s[..stop].LastIndexOf(_separator);
            if (previous < 0)
            {
                return ScriptValue.Null;
            }

            stop = previous;
        }

        int first = s[..stop].LastIndexOf(_separator) + 1;
        return v.Slice(first, stop - first);
    }

    /// <summary><c>{s.md5}</c>: the MD5 digest as 32 lower-case hex digits, in the arena.</summary>
    private static ScriptValue Md5Hex(ScriptContext context, ReadOnlySpan<byte> s)
    {
        Span<byte> digest = stackalloc byte[16];
        System.Security.Cryptography.MD5.HashData(s, digest);
        Span<byte> hex = context.ArenaFree;
        if (hex.Length < 32)
        {
            return ScriptValue.Null;
        }

        for (int i = 0; i < 16; i++)
        {
            hex[2 * i] = HexDigit(digest[i] >> 4);
            hex[(2 * i) + 1] = HexDigit(digest[i] & 0xF);
        }

        return context.Commit(32);

        static byte HexDigit(int d) => (byte)(d < 10 ? '0' + d : 'a' + d - 10);
    }

    /// <summary><c>{nameaddr.param,name}</c>: a header parameter after the URI (a flag parameter gives an empty value).</summary>
    private static ScriptValue HeaderParam(in ScriptValue v, TextRange parameters, ReadOnlySpan<byte> name)
    {
        if (!parameters.IsPresent)
        {
            return ScriptValue.Null;
        }

        ReadOnlySpan<byte> s = v.Span;
        int pos = parameters.Start;
        while (SipParams.TryNext(s, ref pos, out TextRange n, out TextRange value, out _))
        {
            if (ScriptText.EqualsIgnoreCase(s.Slice(n.Start, n.Length), name))
            {
                return value.IsPresent ? v.Slice(value) : v.Slice(n.End, 0);
            }
        }

        return ScriptValue.Null;
    }

    /// <summary>Finds <c>name[=value]</c> in a <c>a=1;b=2</c> list (leading separator allowed, names case-insensitive).</summary>
    private static ScriptValue Param(in ScriptValue list, ReadOnlySpan<byte> wanted, byte separator, bool exists)
    {
        ReadOnlySpan<byte> s = list.Span;
        int i = 0;
        while (i <= s.Length)
        {
            int end = s[i..].IndexOf(separator);
            end = end < 0 ? s.Length : i + end;
            ReadOnlySpan<byte> item = s[i..end];
            int eq = item.IndexOf((byte)'=');
            ReadOnlySpan<byte> name = Trim(eq < 0 ? item : item[..eq], out _);
            if (!name.IsEmpty && ScriptText.EqualsIgnoreCase(name, wanted))
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
