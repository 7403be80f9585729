using System.Text.Json.Nodes;

namespace Hyperproxy.Script.Management;

/// <summary>
/// One management-interface command (OpenSIPS's <c>mi_export_t</c>): its name, its recipes (each a list of
/// parameter names; the one whose names match the request is used) and its handler, which returns the JSON
/// result (<c>"OK"</c> for commands without data) or throws <see cref="MiException"/>. A module lists its
/// commands in its export table (<see cref="Declarations.ModuleDeclaration.MiCommands"/>); handlers run on the
/// management thread, one at a time, never on a worker (docs/management.md).
/// </summary>
public sealed class MiCommand
{
    public MiCommand(string name, Func<MiArguments, JsonNode?> handler, params string[][] recipes)
    {
        Name = name;
        Handler = handler;
        Recipes = recipes.Length == 0 ? [[]] : recipes;
    }

    public string Name { get; }

    /// <summary>The parameter sets the command accepts (an empty set: no parameters).</summary>
    public IReadOnlyList<string[]> Recipes { get; }

    public Func<MiArguments, JsonNode?> Handler { get; }

    /// <summary>
    /// A command whose answer comes later (OpenSIPS's <c>MI_ASYNC_RPL_FLAG</c>, tm's <c>t_uac_dlg</c>): the handler runs
    /// on the management thread like any other and returns a task; the caller's connection waits for the task (at most
    /// <see cref="AsyncBound"/>) without holding the management thread. Null for ordinary commands.
    /// </summary>
    public Func<MiArguments, Task<JsonNode?>>? AsyncHandler { get; init; }

    /// <summary>How long the caller waits for <see cref="AsyncHandler"/>'s task before answering a server error.</summary>
    public TimeSpan AsyncBound { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Only named parameters (a JSON object) are accepted (OpenSIPS's <c>MI_NAMED_PARAMS_ONLY</c>): positional ones are -32602.</summary>
    public bool NamedParamsOnly { get; init; }

    /// <summary>Other names that call the same command (<c>sip_trace</c> for <c>trace</c>).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>Parameters whose value is a JSON array (<c>statistics</c>); opensips-cli packs trailing words into it.</summary>
    public IReadOnlyList<string> ArrayParameters { get; init; } = [];

    public static JsonNode Ok => JsonValue.Create("OK");
}
