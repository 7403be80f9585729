using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace Hyperproxy.Location.Redis;

// ul_dump's paged listing over Redis: SCAN with MATCH PREFIX{*} on each primary in turn (a Cluster has
// several), so a page costs one or a few SCAN calls whatever the table's size, and nothing blocks Redis or
// a worker. The cursor is (primary index, SCAN cursor). SCAN's own guarantee carries over: an AoR present
// for the whole listing is returned at least once; one may come twice when Redis rehashes meanwhile.
public sealed partial class RedisLocationStore : ILocationListing
{
    private const string CursorVersion = "r1";

    public ListingStatus ListPage(string? cursor, int limit, List<byte[]> aors, out string? next)
    {
        next = null;
        if (limit < 1)
            limit = 1;
        int server = 0;
        long scanCursor = 0;
        if (cursor is not null && !ParseCursor(cursor, out server, out scanCursor))
            return ListingStatus.BadCursor;
        if (!_connection.IsConnected)
            return ListingStatus.Failed;
        List<IServer> primaries = Primaries();
        if (server > primaries.Count || (cursor is not null && server == primaries.Count))
            return ListingStatus.CursorExpired;
        string pattern = GlobEscape(_options.KeyPrefix) + "\\{*\\}";
        int count = aors.Count;
        int calls = 0;
        try
        {
            while (server < primaries.Count && aors.Count - count < limit && calls < 64)
            {
                calls++;
                RedisResult reply = primaries[server].Execute("SCAN", [scanCursor.ToString(CultureInfo.InvariantCulture), "MATCH", pattern, "COUNT", limit - (aors.Count - count)]);
                var parts = (RedisResult[])reply!;
                scanCursor = long.Parse((string)parts[0]!, CultureInfo.InvariantCulture);
                foreach (RedisResult key in (RedisResult[])parts[1]!)
                {
                    byte[] bytes = (byte[])key!;
                    if (bytes.Length >= _prefix.Length + 2)
                        aors.Add(bytes.AsSpan(_prefix.Length + 1, bytes.Length - _prefix.Length - 2).ToArray());
                }

                if (scanCursor == 0)
                    server++;
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Interlocked.Increment(ref _counters.Failures);
            return ListingStatus.Failed;
        }

        if (server < primaries.Count)
            next = string.Create(CultureInfo.InvariantCulture, $"{CursorVersion}.{server}.{scanCursor}");
        return ListingStatus.Ok;
    }

    /// <summary>The connected primaries in a stable order (by address), so a cursor's index names the same one.</summary>
    private List<IServer> Primaries()
    {
        var primaries = new List<IServer>();
        foreach (IServer server in _connection.GetServers())
        {
            if (server.IsConnected && !server.IsReplica)
                primaries.Add(server);
        }

        primaries.Sort((a, b) => string.CompareOrdinal(Format(a.EndPoint), Format(b.EndPoint)));
        return primaries;
    }

    private static bool ParseCursor(string cursor, out int server, out long scanCursor)
    {
        server = 0;
        scanCursor = 0;
        string[] parts = cursor.Split('.');
        return parts.Length == 3 && parts[0] == CursorVersion
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out server)
            && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out scanCursor);
    }

    private static string GlobEscape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\' or '{' or '}')
                escaped.Append('\\');
            escaped.Append(c);
        }

        return escaped.ToString();
    }
}
