using System.Diagnostics;
using Hyperproxy.Location.Records;
using Hyperproxy.Location.Redis;
using Hyperproxy.Tests.Shared;

namespace Hyperproxy.Location.Tests;

/// <summary>The Redis store against a real redis-server started on loopback (standalone and a 3-node Cluster).</summary>
public sealed class RedisLocationStoreTests
{
    private const long Now = 1_700_000_000;

    /// <summary>
    /// Opens the store and waits (bounded) until it is connected: the first connection of a test process
    /// pays StackExchange.Redis's start-up on a machine that runs other test projects at the same time,
    /// and a store that is not connected yet fails every operation at once (by design, tested below).
    /// </summary>
    private static RedisLocationStore Open(string url, LocationClock? clock = null, TimeSpan? queryTimeout = null)
    {
        Assert.True(RedisLocationUrl.TryParse(url, out RedisLocationUrl? parsed, out string error), error);
        RedisLocationStore store = RedisLocationStore.Open(new RedisLocationOptions
        {
            Url = parsed!,
            Clock = clock ?? new ManualClock(Now),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            QueryTimeout = queryTimeout ?? TimeSpan.FromSeconds(10),
        });
        RedisServer.WaitFor(() => store.IsConnected, "the store to connect to " + url);
        return store;
    }

    private static List<string> Contacts(ILocationSession session, int aor, long now)
    {
        var buffer = new byte[64 * 1024];
        var contacts = new List<string>();
        ReadStatus status = session.Read(TestSupport.Aor(aor), buffer, out int length);
        if (status == ReadStatus.NotFound)
        {
            return contacts;
        }

        Assert.Equal(ReadStatus.Found, status);
        Assert.Equal(RecordError.None, LocationRecord.TryOpen(buffer.AsSpan(0, length), out LocationRecordReader reader));
        foreach (ContactView c in reader.GetContacts(now))
        {
            contacts.Add(TestSupport.Text(c.Contact));
        }

        return contacts;
    }

    [Fact]
    public void SavedBindingIsReadBackAndTheKeyExpiresWithTheLatestBinding()
    {
        using RedisServer redis = RedisServer.Start();
        using RedisLocationStore store = Open(redis.Url);
        using ILocationSession session = store.NewSession();

        Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, 1, "sip:a@198.51.100.1", Now + 60, Now, out CommitTicket ticket));
        Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, 1, "sip:b@198.51.100.2", Now + 3600, Now, out _));
        Assert.True(store.IsCommitted(ticket));

        Assert.Equal(["sip:a@198.51.100.1", "sip:b@198.51.100.2"], Contacts(session, 1, Now));
        long ttl = long.Parse(redis.Command("PTTL loc:{user1@example.com}"));
        Assert.InRange(ttl, 3_500_000, 3_600_000);
        Assert.Equal(ReadStatus.NotFound, session.Read(TestSupport.Aor(2), new byte[16], out _));
    }

    [Fact]
    public void ReadIntoASmallBufferSaysHowMuchIsNeeded()
    {
        using RedisServer redis = RedisServer.Start();
        using RedisLocationStore store = Open(redis.Url);
        using ILocationSession session = store.NewSession();
        Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, 3, "sip:a@198.51.100.1", Now + 60, Now, out _));

        Assert.Equal(ReadStatus.BufferTooSmall, session.Read(TestSupport.Aor(3), new byte[4], out int needed));
        Assert.True(needed > 4);
    }

    [Fact]
    public void LastBindingRemovedDeletesTheKey()
    {
        using RedisServer redis = RedisServer.Start();
        using RedisLocationStore store = Open(redis.Url);
        using ILocationSession session = store.NewSession();
        Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, 4, "sip:a@198.51.100.1", Now + 60, Now, out _));

        Assert.Equal(UpdateStatus.Deleted, TestSupport.Save(session, 4, "sip:a@198.51.100.1", -1, Now, out _));
        Assert.Equal("0", redis.Command("EXISTS loc:{user4@example.com}"));
        Assert.Equal(UpdateStatus.Unchanged, session.Delete(TestSupport.Aor(4), out _));
    }

    [Fact]
    public void RedisExpiresAnAorWhoseBindingsHaveAllExpired()
    {
        using RedisServer redis = RedisServer.Start();
        var clock = new ManualClock(Now);
        using RedisLocationStore store = Open(redis.Url, clock);
        using ILocationSession session = store.NewSession();
        // A binding that expires 1 s after it is saved: Redis drops the key by itself.
        Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, 5, "sip:a@198.51.100.1", Now + 1, Now, out _));

        RedisServer.WaitFor(() => redis.Command("EXISTS loc:{user5@example.com}") == "0", "the key to expire");
        Assert.Equal(ReadStatus.NotFound, session.Read(TestSupport.Aor(5), new byte[1024], out _));
    }

    [Fact]
    public void ConcurrentSavesOfOneAorFromTwoNodesLoseNoBindingAndDuplicateNone()
    {
        using RedisServer redis = RedisServer.Start();
        using RedisLocationStore nodeA = Open(redis.Url);
        using RedisLocationStore nodeB = Open(redis.Url);
        const int Threads = 4;
        const int PerThread = 25;
        var workers = new Thread[Threads];
        var failures = new int[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int id = t;
            RedisLocationStore node = t % 2 == 0 ? nodeA : nodeB;
            workers[t] = new Thread(() =>
            {
                using ILocationSession session = node.NewSession();
                for (int i = 0; i < PerThread; i++)
                {
                    // Each thread refreshes its own first contact and adds a new one: re-saves must not duplicate.
                    if (TestSupport.Save(session, 6, $"sip:t{id}@198.51.100.{id + 1}", Now + 600, Now, out _) != UpdateStatus.Written
                        || TestSupport.Save(session, 6, $"sip:t{id}-{i}@198.51.100.{id + 1}", Now + 600, Now, out _) != UpdateStatus.Written)
                    {
                        failures[id]++;
                    }
                }
            });
            workers[t].Start();
        }

        foreach (Thread w in workers)
        {
            Assert.True(w.Join(TimeSpan.FromSeconds(60)));
        }

        Assert.All(failures, f => Assert.Equal(0, f));
        using ILocationSession reader = nodeA.NewSession();
        List<string> contacts = Contacts(reader, 6, Now);
        Assert.Equal(Threads * (PerThread + 1), contacts.Count);
        Assert.Equal(contacts.Count, new HashSet<string>(contacts).Count);
    }

    [Fact]
    public void UnreachableServerFailsEveryOperationAtOnceAndTheStoreReconnects()
    {
        using RedisServer redis = RedisServer.Start();
        using RedisLocationStore store = Open(redis.Url, queryTimeout: TimeSpan.FromSeconds(5));
        using ILocationSession session = store.NewSession();
        Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, 7, "sip:a@198.51.100.1", Now + 60, Now, out _));

        redis.Kill();
        RedisServer.WaitFor(() => !store.IsConnected, "the store to see the server gone");
        var clock = Stopwatch.StartNew();
        Assert.Equal(UpdateStatus.Failed, TestSupport.Save(session, 7, "sip:b@198.51.100.1", Now + 60, Now, out _));
        Assert.Equal(ReadStatus.Failed, session.Read(TestSupport.Aor(7), new byte[1024], out _));
        Assert.Equal(UpdateStatus.Failed, session.Delete(TestSupport.Aor(7), out _));
        // Three operations that waited for the query timeout would take 15 s: failing at once takes none of it.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"failing took {clock.Elapsed}");
        Assert.True(store.GetStats().CachedbFailures >= 3);

        Assert.True(redis.TryLaunch());
        RedisServer.WaitFor(() => TestSupport.Save(session, 7, "sip:b@198.51.100.1", Now + 60, Now, out _) == UpdateStatus.Written,
            "a save to succeed after the restart");
        Assert.True(store.GetStats().CachedbReconnects >= 1);
    }

    [Fact]
    public void ClusterSpreadsAorsOverShardsAndAnotherNodeReadsThemAll()
    {
        RedisServer[] cluster = RedisServer.StartCluster();
        try
        {
            using RedisLocationStore nodeA = Open(cluster[0].Url);
            using RedisLocationStore nodeB = Open($"redis://127.0.0.1:{cluster[2].Port},127.0.0.1:{cluster[1].Port}/");
            using ILocationSession a = nodeA.NewSession();
            using ILocationSession b = nodeB.NewSession();
            const int Aors = 60;
            for (int i = 0; i < Aors; i++)
            {
                Assert.Equal(UpdateStatus.Written, TestSupport.Save(a, 100 + i, $"sip:u{i}@198.51.100.9", Now + 600, Now, out _));
            }

            for (int i = 0; i < Aors; i++)
            {
                Assert.Equal([$"sip:u{i}@198.51.100.9"], Contacts(b, 100 + i, Now));
            }

            foreach (RedisServer node in cluster)
            {
                Assert.True(long.Parse(node.Command("DBSIZE")) > 0, "every shard holds some AoRs");
            }

            Assert.Equal(Aors, nodeB.GetStats().Aors);
        }
        finally
        {
            foreach (RedisServer node in cluster)
            {
                node.Dispose();
            }
        }
    }

    [Theory]
    [InlineData("redis://127.0.0.1:6379/", "127.0.0.1", 6379, null, 0)]
    [InlineData("redis://localhost/", "localhost", 6379, null, 0)]
    [InlineData("redis:group1://:secret@10.0.0.1:7000/2", "10.0.0.1", 7000, "secret", 2)]
    [InlineData("redis://user:pw@[::1]:6380/", "::1", 6380, "pw", 0)]
    public void UrlFormsOfCachedbRedisAreParsed(string text, string host, int port, string? password, int db)
    {
        Assert.True(RedisLocationUrl.TryParse(text, out RedisLocationUrl? url, out string error), error);
        Assert.Equal((host, port), url!.Hosts[0]);
        Assert.Equal(password, url.Password);
        Assert.Equal(db, url.Database);
    }

    [Fact]
    public void SeveralHostsAreOneServerSet()
    {
        Assert.True(RedisLocationUrl.TryParse("redis:ha://localhost,host_a:6380,host_b:6381,host_c/", out RedisLocationUrl? url, out _));
        Assert.Equal([("localhost", 6379), ("host_a", 6380), ("host_b", 6381), ("host_c", 6379)], url!.Hosts);
    }

    [Theory]
    [InlineData("mongodb://10.0.0.4:27017/opensipsDB.userlocation", "not a Redis URL")]
    [InlineData("redis://host:port/", "is not HOST[:PORT]")]
    [InlineData("redis://host:6379/x", "not a database number")]
    [InlineData("redis://host:6379/?tls_domain=dom", "without TLS")]
    [InlineData("", "empty")]
    public void BadUrlsAreRefusedWithTheReason(string text, string reason)
    {
        Assert.False(RedisLocationUrl.TryParse(text, out _, out string error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TimeToLiveIsUntilTheLatestBindingAndNoneForAPermanentOne()
    {
        var buffer = new byte[4096];
        var writer = new LocationRecordWriter(buffer);
        writer.TryAddContact(ContactFields.Create(Now + 10, Now, 1), "sip:a@x"u8, default, "c"u8, default, default);
        writer.TryAddContact(ContactFields.Create(Now + 30, Now, 1), "sip:b@x"u8, default, "c"u8, default, default);
        int length = writer.Finish();
        Assert.Equal(30_000L, (long)RedisLocationSession.TimeToLive(buffer.AsSpan(0, length), Now));

        writer = new LocationRecordWriter(buffer);
        writer.TryAddContact(ContactFields.Create(0, Now, 1), "sip:a@x"u8, default, "c"u8, default, default);
        length = writer.Finish();
        Assert.Equal("0", (string?)RedisLocationSession.TimeToLive(buffer.AsSpan(0, length), Now));
    }
}
