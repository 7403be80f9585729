using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Syntax;

namespace Hyperproxy.Script.Builtins;

/// <summary>Start-up fix-ups shared by the built-in modules.</summary>
public static class Fixups
{
    /// <summary>A SIP status code 100..699; value: the <see cref="int"/>.</summary>
    public static readonly ParameterFixup StatusCode = c =>
        c.Kind == LiteralKind.Int && c.IntValue is >= 100 and <= 699
            ? FixupResult.Ok(c.IntValue)
            : FixupResult.Fail($"'{c}' is not a SIP status code (100..699)");

    /// <summary><c>"INVITE|ACK"</c>: method names separated by <c>|</c>; value: upper-cased <see cref="string"/>[].</summary>
    public static readonly ParameterFixup MethodList = c =>
    {
        string text = c.ToString();
        string[] parts = text.Split('|');
        for (int i = 0; i < parts.Length; i++)
        {
            string m = parts[i].Trim();
            if (m.Length == 0 || !IsToken(m))
                return FixupResult.Fail($"'{text}' is not a list of methods separated by '|'");
            parts[i] = m.ToUpperInvariant();
        }

        return FixupResult.Ok(parts);
    };

    /// <summary>A header name (RFC 3261 token); value: the <see cref="string"/>.</summary>
    public static readonly ParameterFixup HeaderName = c =>
    {
        string text = c.ToString();
        return text.Length > 0 && IsToken(text) ? FixupResult.Ok(text) : FixupResult.Fail($"'{text}' is not a header name");
    };

    /// <summary><c>proto:host[:port]</c> of a local socket; value: a <see cref="SocketSpec"/>.</summary>
    public static readonly ParameterFixup Socket = c =>
    {
        if (!SocketSpec.TryParse(c.ToString(), out var spec, out string? error))
            return FixupResult.Fail(error!);
        return spec!.Protocol is null
            ? FixupResult.Fail($"'{c}' needs a protocol (proto:host[:port])")
            : FixupResult.Ok(spec);
    };

    /// <summary><c>[proto:]host[:port]</c>; value: a <see cref="SocketSpec"/>.</summary>
    public static readonly ParameterFixup Destination = c =>
        SocketSpec.TryParse(c.ToString(), out var spec, out string? error) ? FixupResult.Ok(spec) : FixupResult.Fail(error!);

    /// <summary>
    /// A log level: <c>L_ALERT</c> -3, <c>L_CRIT</c> -2, <c>L_ERR</c> -1, <c>L_WARN</c> 1,
    /// <c>L_NOTICE</c> 2, <c>L_INFO</c> 3, <c>L_DBG</c> 4, or the number; value: the <see cref="int"/>.
    /// </summary>
    public static readonly ParameterFixup LogLevel = c =>
    {
        if (c.Kind == LiteralKind.Int)
        {
            return c.IntValue is >= -3 and <= 4 ? FixupResult.Ok(c.IntValue) : FixupResult.Fail($"log level {c.IntValue} is out of range (-3..4)");
        }

        int? level = c.ToString() switch
        {
            "L_ALERT" => -3,
            "L_CRIT" => -2,
            "L_ERR" => -1,
            "L_WARN" => 1,
            "L_NOTICE" => 2,
            "L_INFO" => 3,
            "L_DBG" => 4,
            _ => null,
        };
        return level is { } l ? FixupResult.Ok(l) : FixupResult.Fail($"unknown log level '{c}' (L_ALERT, L_CRIT, L_ERR, L_WARN, L_NOTICE, L_INFO, L_DBG)");
    };

    /// <summary>An integer in [min, max]; value: the <see cref="int"/>.</summary>
    public static ParameterFixup IntRange(int min, int max) => c =>
        c.Kind == LiteralKind.Int && c.IntValue >= min && c.IntValue <= max
            ? FixupResult.Ok(c.IntValue)
            : FixupResult.Fail($"'{c}' is out of range ({min}..{max})");

    private static bool IsToken(string s)
    {
        foreach (char ch in s)
        {
            if (!(char.IsAsciiLetterOrDigit(ch) || "-.!%*_+`'~".Contains(ch)))
                return false;
        }

        return true;
    }
}
