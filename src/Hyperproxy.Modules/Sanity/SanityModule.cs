using Hyperproxy.Script.Builtins;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Syntax;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Sanity;

/// <summary>
/// Kamailio's sanity module (<c>sanity_check([msg_checks[, uri_checks]])</c>, <c>sanity_reply()</c>) for operators
/// coming from Kamailio; OpenSIPS has none (its check is sipmsgops' <c>sipmsg_validate</c>). The checks are the bits
/// of Kamailio 5.6 (<see cref="SanityCheck"/>), their replies as Kamailio 5.6 sends them (<see cref="SanityChecks"/>).
/// Bits Kamailio 5.6 does not know (32768 and up) are refused at start-up by name.
/// </summary>
public sealed class SanityModule
{
    public const string Name = "sanity";

    public SanityModule()
    {
        Exports = new ModuleDeclaration(Name,
        [
            Function("sanity_check", 0, RouteTypes.AnyMessage, (c, a) => SanityChecks.Check(this, c, a),
                Param("msg_checks", ParameterKind.Int, MessageChecksFixup), Param("uri_checks", ParameterKind.Int, UriChecksFixup)),
            Function("sanity_reply", 0, RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch | RouteTypes.Error, SanityChecks.Reply),
        ],
        [
            Int("default_checks", (int)SanityCheck.Default, v => DefaultChecks = (SanityCheck)v, v => RefuseMessageChecks(v)),
            Int("uri_checks", (int)SanityUri.Default, v => UriChecks = (SanityUri)v, v => RefuseUriChecks(v)),
            String("proxy_require", "", v => ProxyRequire = ParseExtensions(v)),
            Int("autodrop", 1, v => AutoDrop = v != 0, v => v is 0 or 1 ? null : $"{v} is not 0 or 1"),
            Int("noreply", 0, v => NoReply = v != 0, v => v is 0 or 1 ? null : $"{v} is not 0 or 1"),
        ]);
        ModuleTable.ApplyDefaults(Exports);
    }

    public ModuleDeclaration Exports { get; }

    /// <summary><c>default_checks</c>: what <c>sanity_check()</c> without arguments runs (3047).</summary>
    public SanityCheck DefaultChecks { get; private set; }

    /// <summary><c>uri_checks</c>: the URIs bit 1024 parses when the call names none (7: R-URI, From, To).</summary>
    public SanityUri UriChecks { get; private set; }

    /// <summary><c>proxy_require</c>: the extensions a Proxy-Require may name (lower-case tokens).</summary>
    public byte[][] ProxyRequire { get; private set; } = [];

    /// <summary><c>autodrop</c>: 1 = a failed check stops the script, 0 = sanity_check returns -1.</summary>
    public bool AutoDrop { get; private set; }

    /// <summary><c>noreply</c>: 1 = no reply is sent; the code and reason wait for <c>sanity_reply()</c>.</summary>
    public bool NoReply { get; private set; }

    /// <summary>Why a msg_checks value cannot be run, naming the bits; null when it can.</summary>
    public static string? RefuseMessageChecks(int value)
    {
        if (value <= 0)
        {
            return $"{value} selects no check (Kamailio's range is 1..32767)";
        }

        if ((value & ~(int)SanityCheck.All) != 0)
        {
            string names = "";
            for (int bit = 15; bit < 31; bit++)
            {
                if ((value & (1 << bit)) != 0)
                {
                    names += (names.Length == 0 ? "" : ", ") + (1 << bit) + (bit switch
                    {
                        15 => " (Via branch magic cookie and Route/Record-Route lr)",
                        16 => " (size limits)",
                        _ => "",
                    });
                }
            }

            return $"check bits {names} are not built: Hyperproxy's sanity has Kamailio 5.6's checks 1..16384 (the sum must be 1..32767)";
        }

        return null;
    }

    /// <summary>Why a uri_checks value cannot be run; null when it can.</summary>
    public static string? RefuseUriChecks(int value) =>
        value is >= 1 and <= (int)SanityUri.All ? null : $"{value} is not a sum of the URI bits 1 (R-URI), 2 (From), 4 (To), 8 (Contact)";

    private static readonly ParameterFixup MessageChecksFixup = c =>
        c.Kind == LiteralKind.Int && RefuseMessageChecks(c.IntValue) is { } why
            ? FixupResult.Fail($"sanity_check: {why}")
            : c.Kind == LiteralKind.Int ? FixupResult.Ok((SanityCheck)c.IntValue) : FixupResult.Fail($"'{c}' is not a number");

    private static readonly ParameterFixup UriChecksFixup = c =>
        c.Kind == LiteralKind.Int && RefuseUriChecks(c.IntValue) is { } why
            ? FixupResult.Fail($"sanity_check: {why}")
            : c.Kind == LiteralKind.Int ? FixupResult.Ok((SanityUri)c.IntValue) : FixupResult.Fail($"'{c}' is not a number");

    /// <summary><c>"foo, bar"</c>: comma-separated tokens, whitespace around each stripped, compared case-insensitively.</summary>
    private static byte[][] ParseExtensions(string? list)
    {
        var tokens = new List<byte[]>();
        foreach (string t in (list ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            tokens.Add(System.Text.Encoding.ASCII.GetBytes(t.ToLowerInvariant()));
        }

        return [.. tokens];
    }
}
