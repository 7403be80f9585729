using System.Text;
using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime.Nodes;
using Hyperproxy.Script.Runtime.Variables;
using Hyperproxy.Script.Syntax;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Runtime;

/// <summary>
/// Turns a bound <see cref="ScriptProgram"/> into a <see cref="CompiledScript"/>: statements become
/// node objects with their operands resolved (constants encoded to bytes, <c>$var</c> names to slots,
/// header names to ids, method comparisons to enum compares, functions to their bodies). What the
/// runtime cannot do yet (a function without a body, an unimplemented transformation) is a
/// start-up error with its position.
/// </summary>
public sealed partial class ScriptCompiler
{
    private readonly ScriptProgram _program;
    private readonly List<ScriptDiagnostic> _errors = [];
    private readonly Dictionary<RouteDefinition, RouteNode> _routes = [];
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private RouteDefinition _current = null!;

    private ScriptCompiler(ScriptProgram program)
    {
        _program = program;
    }

    /// <summary>
    /// Compiles a program; every call runs the body its declaration (the module's export table) names.
    /// On failure <paramref name="errors"/> lists what the runtime cannot run.
    /// </summary>
    public static bool TryCompile(ScriptProgram program, out CompiledScript? script, out IReadOnlyList<ScriptDiagnostic> errors) =>
        TryCompile(program, emit: true, out script, out errors);

    /// <summary>Compiles a program; <paramref name="emit"/> false keeps every route walking its nodes (tests compare the two).</summary>
    internal static bool TryCompile(ScriptProgram program, bool emit, out CompiledScript? script, out IReadOnlyList<ScriptDiagnostic> errors)
    {
        var compiler = new ScriptCompiler(program);
        foreach (string avp in program.ModuleAvps)
        {
            compiler.Slot("avp", avp);
        }

        RouteNode? request = program.MainRoute is { } main ? compiler.CompileRoute(main) : null;
        RouteNode? reply = program.MainReplyRoute is { } r ? compiler.CompileRoute(r) : null;
        // Blocks that are not reachable from the main routes are still checked.
        foreach (RouteDefinition route in program.Routes)
        {
            if (route.Kind is RouteTypes.Request or RouteTypes.OnReply or RouteTypes.Error or RouteTypes.Startup or RouteTypes.Timer
                or RouteTypes.Failure or RouteTypes.Branch)
            {
                compiler.CompileRoute(route);
            }
        }

        RouteNode? error = program.ErrorRoute is { } e ? compiler.CompileRoute(e) : null;
        RouteNode? startup = null;
        var timers = new List<ScriptTimer>();
        foreach (RouteDefinition route in program.Routes)
        {
            if (route.Kind == RouteTypes.Startup)
            {
                startup = compiler.CompileRoute(route);
            }
            else if (route.Kind == RouteTypes.Timer)
            {
                timers.Add(new ScriptTimer(compiler.CompileRoute(route)));
            }
        }

        errors = compiler._errors;
        if (compiler._errors.Count == 0 && emit)
        {
            foreach (RouteNode node in compiler._routes.Values)
            {
                node.Emit();
            }
        }

        script = compiler._errors.Count == 0
            ? new CompiledScript(program, request, reply, compiler._slots.Count, error, startup, timers, compiler._slots) { Routes = [.. compiler._routes.Values] }
            : null;
        return script is not null;
    }

    /// <summary>Compiles; throws <see cref="InvalidOperationException"/> listing the errors.</summary>
    public static CompiledScript Compile(ScriptProgram program)
    {
        if (!TryCompile(program, out CompiledScript? script, out var errors))
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
        }

        return script!;
    }

    private RouteNode CompileRoute(RouteDefinition route)
    {
        if (_routes.TryGetValue(route, out RouteNode? node))
        {
            return node;
        }

        node = new RouteNode(route);
        _routes.Add(route, node);
        RouteDefinition saved = _current;
        _current = route;
        node.Body = CompileBlock(route.Body.Statements);
        _current = saved;
        return node;
    }

    private void Error(SourceLocation location, string message) => _errors.Add(new ScriptDiagnostic(location, message));

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private int Slot(string kind, string name)
    {
        string key = kind + ":" + name;
        if (!_slots.TryGetValue(key, out int slot))
        {
            slot = _slots.Count;
            _slots.Add(key, slot);
        }

        return slot;
    }
}
