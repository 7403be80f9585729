using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperproxy.Hosting;
using Hyperproxy.Script.Management;

namespace Hyperproxy.Management.Mi;

/// <summary>
/// JSON-RPC 2.0 over the MI commands (OpenSIPS's <c>mi/mi.c</c> and mi_http): parses the request, matches its
/// params (positional array or named object) to one of the command's recipes, runs the command on the
/// <see cref="MiThread"/>, and answers <c>{"jsonrpc":"2.0","result":...,"id":...}</c> or an error object
/// (-32700 bad JSON, -32600 not a request, -32601 unknown method, -32602 bad params, -32000 server error, or
/// the command's own code). A request without an id is a notification: run, no answer.
/// </summary>
public sealed class MiDispatcher
{
    private readonly Dictionary<string, MiCommand> _commands = new(StringComparer.Ordinal);
    private readonly List<MiCommand> _ordered = [];
    private readonly MiThread _thread;

    public MiDispatcher(MiThread thread)
    {
        _thread = thread;
    }

    public TimeSpan Bound { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The commands by name, in registration order (MI <c>which</c>).</summary>
    public IReadOnlyList<MiCommand> Commands => _ordered;

    public void Add(MiCommand command)
    {
        foreach (string name in (string[])[command.Name, .. command.Aliases])
        {
            if (!_commands.TryAdd(name, command))
                throw new InvalidOperationException($"MI command {name} is declared twice");
        }

        _ordered.Add(command);
    }

    public MiCommand? Find(string name) => _commands.GetValueOrDefault(name);

    /// <summary>Answers one request body; null for a notification (no id).</summary>
    public byte[]? Handle(ReadOnlySpan<byte> body)
    {
        JsonNode? request;
        try
        {
            request = JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            return Error(null, MiException.ParseError, "Parse error: " + e.Message);
        }

        if (request is not JsonObject o)
            return Error(null, MiException.InvalidRequest, "Invalid Request: not a JSON-RPC object");
        JsonNode? id = o["id"]?.DeepClone();
        bool notification = !o.ContainsKey("id");
        if (o["jsonrpc"] is not JsonValue v || !v.TryGetValue(out string? version) || version != "2.0"
            || o["method"] is not JsonValue m || !m.TryGetValue(out string? method))
            return Error(id, MiException.InvalidRequest, "Invalid Request: jsonrpc \"2.0\" and a method are required");
        if (!_commands.TryGetValue(method, out MiCommand? command))
            return notification ? null : Error(id, MiException.MethodNotFound, "Method not found");
        MiArguments arguments;
        try
        {
            arguments = Match(command, o["params"]);
        }
        catch (MiException e)
        {
            return notification ? null : Error(id, e.Code, e.Message);
        }

        JsonNode? result;
        Exception? error;
        if (command.AsyncHandler is { } start)
        {
            // Started on the management thread; the answer is waited for here, on the caller's connection.
            if (!_thread.TryRun(() => start(arguments), Bound, out Task<JsonNode?>? pending, out error))
                return notification ? null : Error(id, MiException.ServerError, "Server error: the management thread is busy");
            result = null;
            if (error is null && pending is not null)
            {
                try
                {
                    if (!pending.Wait(command.AsyncBound))
                        return notification ? null : Error(id, MiException.ServerError, "Server error: no answer in time");
                    result = pending.Result;
                }
                catch (AggregateException e)
                {
                    error = e.InnerException ?? e;
                }
            }
        }
        else if (!_thread.TryRun(() => command.Handler(arguments), Bound, out result, out error))
        {
            return notification ? null : Error(id, MiException.ServerError, "Server error: the management thread is busy");
        }

        if (notification)
            return null;
        if (error is MiException me)
            return Error(id, me.Code, me.Message);
        if (error is not null)
        {
            Log.Error($"MI {method}: {error.GetType().Name}: {error.Message}");
            return Error(id, MiException.ServerError, "Server error: " + error.Message);
        }

        var answer = new JsonObject { ["jsonrpc"] = "2.0", ["result"] = result ?? MiCommand.Ok, ["id"] = id };
        return JsonSerializer.SerializeToUtf8Bytes(answer);
    }

    /// <summary>The recipe whose parameter names fit <paramref name="parameters"/>, with the values by name.</summary>
    private static MiArguments Match(MiCommand command, JsonNode? parameters)
    {
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        switch (parameters)
        {
            case null:
                foreach (string[] recipe in command.Recipes)
                {
                    if (recipe.Length == 0)
                        return new MiArguments(values);
                }

                throw MiException.BadParams($"Invalid params: {command.Name} needs {Describe(command)}");
            case JsonArray when command.NamedParamsOnly:
                throw MiException.BadParams($"Invalid params: {command.Name} takes named parameters only ({Describe(command)})");
            case JsonArray array:
                foreach (string[] recipe in command.Recipes)
                {
                    bool packs = recipe.Length > 0 && command.ArrayParameters.Contains(recipe[^1]) && array.Count >= recipe.Length;
                    if (recipe.Length != array.Count && !packs)
                        continue;
                    for (int i = 0; i < recipe.Length - 1; i++)
                        values[recipe[i]] = array[i]?.DeepClone();
                    if (recipe.Length > 0)
                    {
                        int last = recipe.Length - 1;
                        if (packs && !(array.Count == recipe.Length && array[last] is JsonArray))
                        {
                            var tail = new JsonArray();
                            for (int i = last; i < array.Count; i++)
                                tail.Add(array[i]?.DeepClone());
                            values[recipe[last]] = tail;
                        }
                        else
                        {
                            values[recipe[last]] = array[last]?.DeepClone();
                        }
                    }

                    return new MiArguments(values);
                }

                throw MiException.BadParams($"Invalid params: {command.Name} takes {Describe(command)}");
            case JsonObject named:
                foreach (string[] recipe in command.Recipes)
                {
                    if (recipe.Length != named.Count)
                        continue;
                    bool all = true;
                    foreach (string name in recipe)
                        all &= named.ContainsKey(name);
                    if (!all)
                        continue;
                    foreach (var (key, value) in named)
                        values[key] = value?.DeepClone();
                    return new MiArguments(values);
                }

                throw MiException.BadParams($"Invalid params: {command.Name} takes {Describe(command)}");
            default:
                throw MiException.BadParams("Invalid params: params must be an array or an object");
        }
    }

    private static string Describe(MiCommand command) =>
        string.Join(" or ", command.Recipes.Select(r => r.Length == 0 ? "no parameters" : "[" + string.Join(", ", r) + "]"));

    public static byte[] Error(JsonNode? id, int code, string message) => JsonSerializer.SerializeToUtf8Bytes(new JsonObject
    {
        ["jsonrpc"] = "2.0",
        ["error"] = new JsonObject { ["code"] = code, ["message"] = message },
        ["id"] = id,
    });
}
