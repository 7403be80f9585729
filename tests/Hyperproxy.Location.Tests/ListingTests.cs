using System.Text;
using Hyperproxy.Location.Faster;
using Hyperproxy.Location.Redis;
using Hyperproxy.Tests.Shared;

namespace Hyperproxy.Location.Tests;

/// <summary>ul_dump's paged listing (<see cref="ILocationListing"/>) on the embedded store and on Redis.</summary>
public sealed class ListingTests
{
    private const long Now = 1_700_000_000;

    private static Dictionary<string, int> ListAll(ILocationListing listing, int limit, bool exactLimit = true)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var page = new List<byte[]>();
        string? cursor = null;
        for (int pages = 0; pages < 1_000_000; pages++)
        {
            page.Clear();
            Assert.Equal(ListingStatus.Ok, listing.ListPage(cursor, limit, page, out string? next));
            if (exactLimit)
                Assert.True(page.Count <= limit);
            foreach (byte[] aor in page)
                seen[Encoding.ASCII.GetString(aor)] = seen.GetValueOrDefault(Encoding.ASCII.GetString(aor)) + 1;
            if (next is null)
                return seen;
            Assert.NotEqual(cursor, next);
            cursor = next;
        }

        Assert.Fail("the listing did not end");
        return seen;
    }

    [Fact]
    public void EmptyStoreListsNothingInOnePage()
    {
        using FasterLocationStore store = TestSupport.Open(Durability.None, null);
        var page = new List<byte[]>();
        Assert.Equal(ListingStatus.Ok, store.ListPage(null, 100, page, out string? next));
        Assert.Empty(page);
        Assert.Null(next);
    }

    /// <summary>
    /// 1,000,000 AoRs listed in pages of 5,000 while two writer threads rewrite the listed AoRs (each rewrite
    /// grows the record, so most land at the log's tail, behind the cursor or ahead of it), register new ones
    /// and delete some: every AoR that was there at the start and was not deleted is listed exactly once, and
    /// nothing is listed twice.
    /// </summary>
    [Fact]
    public void PagedListingReturnsEveryAorExactlyOnceWhileWritersRewriteAndAddAors()
    {
        const int Aors = 1_000_000;
        using var directory = new TempDirectory();
        using FasterLocationStore store = TestSupport.Open(Durability.None, directory.Path, new ManualClock(Now), expected: Aors);
        using (ILocationSession loader = store.NewSession())
        {
            for (int i = 0; i < Aors; i++)
                Assert.Equal(UpdateStatus.Written, TestSupport.Save(loader, i, "sip:a@198.51.100.1", Now + 3600, Now, out _));
        }

        var deleted = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
        using var stop = new ManualResetEventSlim();
        long rewrites = 0;
        Thread rewriter = new(() =>
        {
            using ILocationSession session = store.NewSession();
            var random = new Random(7);
            while (!stop.IsSet)
            {
                int aor = random.Next(Aors);
                if (aor % 97 == 0)
                {
                    deleted[aor] = true;
                    session.Delete(TestSupport.Aor(aor), out _);
                }
                else
                {
                    TestSupport.Save(session, aor, $"sip:b{rewrites % 3}@198.51.100.2", Now + 3600, Now, out _);
                }
                rewrites++;
            }
        });
        Thread adder = new(() =>
        {
            using ILocationSession session = store.NewSession();
            for (int i = Aors; !stop.IsSet && i < Aors * 2; i++)
                TestSupport.Save(session, i, "sip:new@198.51.100.3", Now + 3600, Now, out _);
        });
        rewriter.Start();
        adder.Start();
        Dictionary<string, int> seen;
        try
        {
            seen = ListAll(store, 5000);
        }
        finally
        {
            stop.Set();
            rewriter.Join();
            adder.Join();
        }

        Assert.True(rewrites > 0);
        Assert.All(seen, pair => Assert.Equal(1, pair.Value));
        int missing = 0;
        for (int i = 0; i < Aors; i++)
        {
            if (!deleted.ContainsKey(i) && !seen.ContainsKey(Encoding.ASCII.GetString(TestSupport.Aor(i))))
                missing++;
        }

        Assert.Equal(0, missing);
    }

    [Fact]
    public void CursorsTheStoreDidNotHandOutAreRefused()
    {
        using FasterLocationStore store = TestSupport.Open(Durability.None, null);
        var page = new List<byte[]>();
        Assert.Equal(ListingStatus.BadCursor, store.ListPage("nonsense", 10, page, out _));
        Assert.Equal(ListingStatus.BadCursor, store.ListPage("f2.10.20.30.0", 10, page, out _));
        Assert.Equal(ListingStatus.BadCursor, store.ListPage("r1.0.0", 10, page, out _));
    }

    [Fact]
    public void CompactionBetweenPagesExpiresTheCursor()
    {
        using var directory = new TempDirectory();
        using FasterLocationStore store = TestSupport.Open(Durability.None, directory.Path, new ManualClock(Now));
        using (ILocationSession session = store.NewSession())
        {
            for (int i = 0; i < 100; i++)
                TestSupport.Save(session, i, "sip:a@198.51.100.1", Now + 3600, Now, out _);
        }

        var page = new List<byte[]>();
        Assert.Equal(ListingStatus.Ok, store.ListPage(null, 10, page, out string? next));
        Assert.Equal(10, page.Count);
        Assert.NotNull(next);
        store.CompactNow();
        Assert.Equal(ListingStatus.CursorExpired, store.ListPage(next, 10, page, out _));
        Assert.Equal(100, ListAll(store, 10).Count);
    }

    [Fact]
    public void RedisListingPagesThroughEveryAorWithScan()
    {
        using RedisServer redis = RedisServer.Start();
        using RedisLocationStore store = OpenRedis(redis.Url);
        using ILocationSession session = store.NewSession();
        for (int i = 0; i < 500; i++)
            Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, i, "sip:a@198.51.100.1", Now + 600, Now, out _));
        redis.Command("SET unrelated-key 1");

        Dictionary<string, int> seen = ListAll(store, 37, exactLimit: false);
        Assert.Equal(500, seen.Count);
        Assert.Contains("user499@example.com", seen.Keys);
        var page = new List<byte[]>();
        Assert.Equal(ListingStatus.BadCursor, store.ListPage("f1.0.0.0", 10, page, out _));
    }

    [Fact]
    public void RedisClusterListingVisitsEveryPrimary()
    {
        RedisServer[] cluster = RedisServer.StartCluster();
        try
        {
            using RedisLocationStore store = OpenRedis(cluster[0].Url);
            using ILocationSession session = store.NewSession();
            for (int i = 0; i < 300; i++)
                Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, i, "sip:a@198.51.100.1", Now + 600, Now, out _));
            RedisServer.WaitFor(() => store.GetStats().Aors == 300, "every primary to be known");

            Dictionary<string, int> seen = ListAll(store, 50, exactLimit: false);
            Assert.Equal(300, seen.Count);
        }
        finally
        {
            foreach (RedisServer node in cluster)
                node.Dispose();
        }
    }

    private static RedisLocationStore OpenRedis(string url)
    {
        Assert.True(RedisLocationUrl.TryParse(url, out RedisLocationUrl? parsed, out string error), error);
        RedisLocationStore store = RedisLocationStore.Open(new RedisLocationOptions
        {
            Url = parsed!,
            Clock = new ManualClock(Now),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            QueryTimeout = TimeSpan.FromSeconds(10),
        });
        RedisServer.WaitFor(() => store.IsConnected, "the store to connect to " + url);
        return store;
    }
}
