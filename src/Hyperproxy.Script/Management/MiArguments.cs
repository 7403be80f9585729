using System.Globalization;
using System.Text.Json.Nodes;

namespace Hyperproxy.Script.Management;

/// <summary>The parameters of one MI call by name, after the request's positional or named params were matched to a recipe.</summary>
public sealed class MiArguments
{
    private readonly Dictionary<string, JsonNode?> _values;

    public MiArguments(Dictionary<string, JsonNode?> values)
    {
        _values = values;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public int Count => _values.Count;

    /// <summary>A parameter as text (numbers formatted); null when absent.</summary>
    public string? String(string name)
    {
        if (!_values.TryGetValue(name, out JsonNode? v) || v is null)
            return null;
        return v is JsonValue value && value.TryGetValue(out string? s) ? s : v.ToJsonString();
    }

    public string Required(string name) => String(name) ?? throw MiException.BadParams($"missing parameter '{name}'");

    /// <summary>A parameter as an integer (a JSON number or a numeric string); null when absent; bad text throws -32602.</summary>
    public long? Integer(string name)
    {
        if (!_values.TryGetValue(name, out JsonNode? v) || v is null)
            return null;
        if (v is JsonValue value)
        {
            if (value.TryGetValue(out long l))
                return l;
            if (value.TryGetValue(out double d) && d == Math.Floor(d))
                return (long)d;
            if (value.TryGetValue(out string? s) && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out l))
                return l;
        }

        throw MiException.BadParams($"parameter '{name}' is not an integer");
    }

    /// <summary>A parameter as a list of strings (a JSON array, or one string as a one-item list).</summary>
    public IReadOnlyList<string> List(string name)
    {
        if (!_values.TryGetValue(name, out JsonNode? v) || v is null)
            return [];
        if (v is JsonArray array)
        {
            var list = new List<string>(array.Count);
            foreach (JsonNode? item in array)
                list.Add(item is JsonValue iv && iv.TryGetValue(out string? s) ? s : item?.ToJsonString() ?? "");
            return list;
        }

        return [String(name)!];
    }
}
