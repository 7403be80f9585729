using System.Net;
using System.Text.Json.Nodes;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests.Management;

/// <summary>
/// A paged <c>ul_dump</c> of a large location table over real HTTP while a client keeps sending OPTIONS and
/// REGISTERs: every AoR comes exactly once and every request of the client is answered during the dump.
/// 30,000 AoRs here (REGISTERed over UDP by the test: 100,000 took over ten minutes with the dump on a shared
/// 2-core machine); the store-level test lists 1,000,000 under concurrent rewrites (Location.Tests ListingTests).
/// </summary>
public sealed class UlDumpPagingTests
{
    private const int Aors = 30_000;
    private const int PageSize = 2000;
    private const string Route = "route {\n  if (is_method(\"REGISTER\")) { save(\"location\"); exit; }\n  sl_send_reply(200, \"OK\");\n}\n";

    [Fact]
    public async Task PagedDumpOfALargeTableListsEveryAorOnceWhileTrafficIsAnswered()
    {
        await using ManagedServer s = await ManagedServer.StartAsync(ManagedServer.Script(route: Route), workers: 2);
        var target = new IPEndPoint(IPAddress.Loopback, s.SipPort);
        using (var filler = UdpPeer.V4())
            await RegisterManyAsync(filler, target, "fill", Aors);
        Assert.Equal(Aors, await s.StatAsync("usrloc:registered_users"));

        using var stop = new CancellationTokenSource();
        Task<(int Sent, int Answered)> traffic = Task.Run(() => TrafficAsync(target, stop.Token));
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        string? cursor = null;
        int pages = 0;
        try
        {
            do
            {
                var parameters = new JsonObject { ["limit"] = PageSize };
                if (cursor is not null)
                    parameters["cursor"] = cursor;
                JsonNode page = (await s.MiAsync("ul_dump", parameters))!;
                var aors = (JsonArray)page["Domains"]![0]!["AORs"]!;
                Assert.InRange(aors.Count, 0, PageSize);
                foreach (JsonNode? aor in aors)
                {
                    string name = (string)aor!["AOR"]!;
                    seen[name] = seen.GetValueOrDefault(name) + 1;
                    Assert.NotEmpty((JsonArray)aor["Contacts"]!);
                }

                cursor = (string?)page["Next"];
                pages++;
                Assert.True(pages < 10_000, "the dump ends");
            }
            while (cursor is not null);
        }
        finally
        {
            await stop.CancelAsync();
        }

        (int sent, int answered) = await traffic;
        Assert.True(pages >= Aors / PageSize, $"{pages} pages");
        Assert.All(seen, p => Assert.Equal(1, p.Value));
        int missing = 0;
        for (int i = 0; i < Aors; i++)
        {
            if (!seen.ContainsKey("fill" + i))
                missing++;
        }

        Assert.Equal(0, missing);
        Assert.True(sent > 0);
        Assert.Equal(sent, answered);
    }

    [Fact]
    public async Task BadCursorsAndLimitsAreRefusedWithTheReason()
    {
        await using ManagedServer s = await ManagedServer.StartAsync(ManagedServer.Script(route: Route));
        JsonObject bad = await s.RawMiAsync("""{"jsonrpc":"2.0","method":"ul_dump","params":{"cursor":"nonsense","limit":10},"id":1}""");
        Assert.Equal(400, (int)bad["error"]!["code"]!);
        Assert.Contains("cursor", (string)bad["error"]!["message"]!, StringComparison.Ordinal);
        JsonObject zero = await s.RawMiAsync("""{"jsonrpc":"2.0","method":"ul_dump","params":{"limit":0},"id":1}""");
        Assert.Equal(400, (int)zero["error"]!["code"]!);
    }

    /// <summary>REGISTERs PREFIX0..PREFIX(count-1) with a window of outstanding requests; the unanswered are sent
    /// again (bounded rounds) until every one has its 200.</summary>
    private static async Task RegisterManyAsync(UdpPeer peer, IPEndPoint target, string prefix, int count)
    {
        var pending = new HashSet<int>(Enumerable.Range(0, count));
        const int Window = 200;
        for (int round = 0; round < 5 && pending.Count > 0; round++)
        {
            int[] todo = [.. pending];
            for (int start = 0; start < todo.Length; start += Window)
            {
                int end = Math.Min(todo.Length, start + Window);
                for (int k = start; k < end; k++)
                    peer.Send(Register(peer, prefix, todo[k], 1 + round), target);
                for (int k = start; k < end; k++)
                {
                    (string Text, IPEndPoint From)? reply = await peer.ReceiveAsync(TimeSpan.FromSeconds(2));
                    if (reply is null)
                        break;
                    if (SipText.StatusCode(reply.Value.Text) == 200
                        && SipText.Headers(reply.Value.Text, "Call-ID") is [string callId]
                        && callId.StartsWith(prefix + "-", StringComparison.Ordinal))
                        pending.Remove(int.Parse(callId.AsSpan(prefix.Length + 1, callId.IndexOf('@') - prefix.Length - 1), System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        Assert.True(pending.Count == 0, $"{pending.Count} REGISTERs were not answered 200");
    }

    private static string Register(UdpPeer peer, string prefix, int i, int cseq) =>
        SipText.Request("REGISTER", "sip:127.0.0.1", peer, SipText.NewBranch(), $"{prefix}-{i}@fill", cseq,
            $"Contact: <sip:{prefix}{i}@10.9.{i / 256 % 256}.{i % 256}:5060>\r\nExpires: 3600\r\n")
        .Replace("To: <sip:127.0.0.1>", $"To: <sip:{prefix}{i}@127.0.0.1>", StringComparison.Ordinal);

    /// <summary>One OPTIONS or REGISTER at a time until cancelled; each must be answered (three tries, as a UA
    /// retransmits). Returns how many were sent and answered.</summary>
    private static async Task<(int Sent, int Answered)> TrafficAsync(IPEndPoint target, CancellationToken stop)
    {
        using var peer = UdpPeer.V4();
        int sent = 0, answered = 0;
        for (int n = 0; !stop.IsCancellationRequested && n < 1_000_000; n++)
        {
            string request = n % 2 == 0 ? SipText.Options("sip:ping@127.0.0.1", peer) : Register(peer, "live", n % 50, n);
            sent++;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                peer.Send(request, target);
                if (await peer.ReceiveAsync(TimeSpan.FromSeconds(5)) is { } reply && SipText.StatusCode(reply.Text) == 200)
                {
                    answered++;
                    break;
                }
            }
        }

        return (sent, answered);
    }
}
