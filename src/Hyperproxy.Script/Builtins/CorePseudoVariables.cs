using Hyperproxy.Script.Declarations;

namespace Hyperproxy.Script.Builtins;

/// <summary>The core pseudo-variables (OpenSIPS <c>pvar.c</c>) and transformations.</summary>
public static class CorePseudoVariables
{
    private static readonly string[] s_socketFields = ["ip", "port", "proto", "af", "advertised_ip", "advertised_port", "tag", "anycast"];

    public static void RegisterAll(PseudoVariableRegistry r)
    {
        // Request-URI and its parts; writable (rewrite the R-URI).
        r.Register(new("ru", PseudoVariableArgument.None, writable: true), "ruri");
        r.Register(new("rU", PseudoVariableArgument.None, writable: true), "ruri.user");
        r.Register(new("rd", PseudoVariableArgument.None, writable: true), "ruri.domain");
        r.Register(new("rp", PseudoVariableArgument.None, writable: true), "ruri.port");
        r.Register(ReadOnly("rP"), "ruri.proto");
        r.Register(ReadOnly("ou"), "ouri");
        r.Register(ReadOnly("oU"));
        r.Register(ReadOnly("od"));
        r.Register(ReadOnly("op"));
        r.Register(new("du", PseudoVariableArgument.None, writable: true), "duri");
        r.Register(new("dd", PseudoVariableArgument.None, writable: true));
        r.Register(new("dp", PseudoVariableArgument.None, writable: true));
        r.Register(ReadOnly("dP"));

        r.Register(ReadOnly("rm"));
        r.Register(ReadOnly("rs"));
        r.Register(ReadOnly("rr"));
        r.Register(ReadOnly("si"), "src_ip");
        r.Register(ReadOnly("sp"), "src_port");
        r.Register(ReadOnly("Ri"));
        r.Register(ReadOnly("Rp"));
        r.Register(ReadOnly("pr"), "proto");
        r.Register(ReadOnly("af"));
        r.Register(new("socket_in", PseudoVariableArgument.Optional, writable: false) { ValidateArgument = ValidateSocketField });
        r.Register(new("socket_out", PseudoVariableArgument.Optional, writable: true) { ValidateArgument = ValidateSocketField });
        r.Register(new("fs", PseudoVariableArgument.None, writable: true)); // the forced send socket, proto:ip:port

        foreach (string n in new[] { "fu", "fU", "fd", "fn", "ft", "tu", "tU", "td", "tn", "tt", "ci", "cs", "cl", "cT", "ua", "ct", "rb", "mb", "ml", "mi", "path", "au", "ad", "aU", "ar", "adu", "an", "auth.nonce", "auth.resp", "auth.opaque", "auth.alg", "auth.qop", "auth.nc", "auth.cnonce", "Ts", "Tsm", "TS", "bf", "mf" })
            r.Register(ReadOnly(n));
        r.Register(new("hdr", PseudoVariableArgument.Required, writable: false, indexable: true));
        r.Register(new("hdrcnt", PseudoVariableArgument.Required, writable: false));
        r.Register(new("ct.fields", PseudoVariableArgument.Required, writable: false, indexable: true)
        {
            ValidateArgument = a => a is "uri" or "name" or "q" or "expires" or "methods" or "received" or "params" ? null : $"unknown Contact field '{a}'",
        });
        r.Register(new("var", PseudoVariableArgument.Required, writable: true));
        r.Register(new("avp", PseudoVariableArgument.Required, writable: true, indexable: true));
        r.Register(new("retcode", PseudoVariableArgument.None, writable: false), "rc");
        r.Register(new("param", PseudoVariableArgument.Required, writable: false) { ValidateArgument = ValidatePositiveIndex });
        r.Register(new("return", PseudoVariableArgument.Required, writable: false) { ValidateArgument = ValidateIndex });
        r.Register(new("stat", PseudoVariableArgument.Required, writable: true));
        r.Register(new("time", PseudoVariableArgument.Required, writable: false));

        foreach (string e in new[] { "err.class", "err.level", "err.info", "err.rcode", "err.rreason" })
            r.Register(new(e, PseudoVariableArgument.None, writable: false, RouteTypes.Error));

        RegisterTransformations(r);
    }

    private static void RegisterTransformations(PseudoVariableRegistry r)
    {
        foreach (string n in new[] { "uri.user", "uri.host", "uri.domain", "uri.port", "uri.transport", "uri.params", "uri.headers", "uri.scheme",
                     "s.len", "s.int", "s.tolower", "s.toupper", "s.trim", "s.md5", "param.count", "nameaddr.uri", "nameaddr.name", "ip.isip" })
            r.RegisterTransformation(new TransformationDeclaration(n, 0, 0));
        r.RegisterTransformation(new TransformationDeclaration("uri.param", 1, 1));
        r.RegisterTransformation(new TransformationDeclaration("param.value", 1, 2));
        r.RegisterTransformation(new TransformationDeclaration("param.exist", 1, 2));
        r.RegisterTransformation(new TransformationDeclaration("s.substr", 2, 2));
        r.RegisterTransformation(new TransformationDeclaration("s.select", 2, 2));
        r.RegisterTransformation(new TransformationDeclaration("nameaddr.param", 1, 1));
    }

    private static PseudoVariableDeclaration ReadOnly(string name) => new(name, PseudoVariableArgument.None, writable: false);

    private static string? ValidateSocketField(string field) =>
        Array.IndexOf(s_socketFields, field) >= 0 ? null : $"unknown socket field '{field}' (ip, port, proto, af, advertised_ip, advertised_port, tag, anycast)";

    private static string? ValidatePositiveIndex(string text) =>
        int.TryParse(text, out int i) && i >= 1 ? null : $"'{text}' is not a parameter number (1, 2, ...)";

    private static string? ValidateIndex(string text) =>
        int.TryParse(text, out int i) && i >= 0 ? null : $"'{text}' is not an index (0, 1, ...)";
}
