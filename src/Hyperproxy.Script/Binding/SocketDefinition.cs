namespace Hyperproxy.Script.Binding;

/// <summary>One <c>socket=</c> / <c>listen=</c> line.</summary>
public sealed record SocketDefinition(SocketSpec Address, SocketSpec? AdvertisedAs, int Workers, bool Anycast, string? Tag)
{
    /// <summary>Parses <c>proto:addr[:port] [as addr[:port]] [use_workers N] [anycast] [tag T]</c>.</summary>
    public static bool TryParse(string text, out SocketDefinition? definition, out string? error)
    {
        definition = null;
        string[] words = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            error = "empty socket definition";
            return false;
        }

        if (!SocketSpec.TryParse(words[0], out var address, out error))
            return false;
        SocketSpec? advertised = null;
        int workers = 0;
        bool anycast = false;
        string? tag = null;
        for (int i = 1; i < words.Length; i++)
        {
            string w = words[i];
            bool hasNext = i + 1 < words.Length;
            switch (w.ToLowerInvariant())
            {
                case "as" when hasNext:
                    if (!SocketSpec.TryParse(words[++i], out advertised, out error))
                        return false;
                    break;
                case "use_workers" or "use_children" when hasNext:
                    if (!int.TryParse(words[++i], out workers) || workers < 1)
                    {
                        error = $"bad use_workers value '{words[i]}'";
                        return false;
                    }

                    break;
                case "anycast":
                    anycast = true;
                    break;
                case "tag" when hasNext:
                    tag = words[++i];
                    break;
                default:
                    error = $"unexpected '{w}' in socket definition";
                    return false;
            }
        }

        definition = new SocketDefinition(address!, advertised, workers, anycast, tag);
        error = null;
        return true;
    }
}
