using Hyperproxy.Script.Declarations;

namespace Hyperproxy.Modules;

/// <summary>
/// Prints export tables for <c>hyperproxy modules</c>: per module its functions (with arities and the
/// route blocks they may be used in) and its parameters (type and default), all read from the tables.
/// </summary>
public static class ModuleTableWriter
{
    public static void Write(TextWriter output, IEnumerable<ModuleDeclaration> modules)
    {
        foreach (ModuleDeclaration module in modules)
        {
            output.WriteLine(module.Name);
            if (module.Functions.Count > 0)
            {
                output.WriteLine("  functions:");
                foreach (FunctionDeclaration f in module.Functions)
                {
                    output.WriteLine($"    {Signature(f),-58} {Arity(f),-5} {RouteNames(f.AllowedRoutes)}");
                }
            }

            if (module.Parameters.Count > 0)
            {
                output.WriteLine("  parameters:");
                foreach (ModuleParameterDeclaration p in module.Parameters)
                {
                    string type = p.Type == ModuleParameterType.Int ? "int" : "string";
                    output.WriteLine($"    {p.Name,-32} {type,-7} default {p.FormatDefault()}");
                }
            }
        }
    }

    /// <summary><c>append_hf(header[, after])</c>: optional parameters in brackets.</summary>
    public static string Signature(FunctionDeclaration f)
    {
        var text = new System.Text.StringBuilder(f.Name).Append('(');
        for (int i = 0; i < f.Parameters.Count; i++)
        {
            bool optional = i >= f.MinArguments;
            if (optional)
            {
                text.Append('[');
            }

            if (i > 0)
            {
                text.Append(", ");
            }

            text.Append(f.Parameters[i].Name);
        }

        text.Append(']', f.Parameters.Count - f.MinArguments).Append(')');
        return text.ToString();
    }

    /// <summary><c>2</c>, or <c>1-3</c> when arguments are optional.</summary>
    public static string Arity(FunctionDeclaration f) =>
        f.MinArguments == f.MaxArguments ? f.MinArguments.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{f.MinArguments}-{f.MaxArguments}";

    /// <summary>The route blocks as the script names them: <c>route|failure_route</c>, or <c>any</c>.</summary>
    public static string RouteNames(RouteTypes routes)
    {
        if (routes == RouteTypes.All)
        {
            return "any";
        }

        var names = new List<string>();
        foreach ((RouteTypes type, string name) in s_names)
        {
            if ((routes & type) != 0)
            {
                names.Add(name);
            }
        }

        return string.Join('|', names);
    }

    private static readonly (RouteTypes, string)[] s_names =
    [
        (RouteTypes.Request, "route"), (RouteTypes.Branch, "branch_route"), (RouteTypes.Failure, "failure_route"),
        (RouteTypes.OnReply, "onreply_route"), (RouteTypes.Error, "error_route"), (RouteTypes.Local, "local_route"),
        (RouteTypes.Startup, "startup_route"), (RouteTypes.Timer, "timer_route"), (RouteTypes.Event, "event_route"),
    ];
}
