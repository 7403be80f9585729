using System.Globalization;
using System.Text.RegularExpressions;

namespace Hyperproxy.Integration.Tests.Infrastructure;

/// <summary>The counters line hyperproxy logs when it stops.</summary>
internal sealed partial record ServerCounters(
    long Requests, long Replies, long RequestsForwarded, long RepliesForwarded, long LocalReplies, long BadRequests, long BadReplies, long Garbage)
{
    public static ServerCounters Parse(string log)
    {
        Match m = Line().Match(log);
        Assert.True(m.Success, "no counters line in the server log:\n" + log);
        long N(int group) => long.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);
        return new ServerCounters(N(1), N(2), N(3), N(4), N(5), N(6), N(7), N(8));
    }

    [GeneratedRegex(@"counters: requests (\d+), replies (\d+), forwarded (\d+)/(\d+), local replies (\d+), bad (\d+)/(\d+), garbage (\d+)")]
    private static partial Regex Line();
}
