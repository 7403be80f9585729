using System.Text;
using Hyperproxy.Location.Records;
using Hyperproxy.Location.Redis;
using Hyperproxy.Tests.Shared;

namespace Hyperproxy.Location.Tests;

/// <summary>
/// The Redis store against Garnet embedded in the test process (<see cref="GarnetHost"/>): the same protocol, so the
/// same save, read, expiry, compare-and-set, parked save and ul_dump listing as against redis-server.
/// Not run in parallel with other classes: Garnet serves from the test process's thread pool, which busy test
/// classes beside it starved on CI (a parked save waited more than 10 s for its answer).
/// </summary>
[Collection(nameof(GarnetLocationStoreTests))]
[CollectionDefinition(nameof(GarnetLocationStoreTests), DisableParallelization = true)]
public sealed class GarnetLocationStoreTests
{
    private const long Now = 1_700_000_000;

    private static RedisLocationStore Open(GarnetHost garnet, LocationClock? clock = null)
    {
        Assert.True(RedisLocationUrl.TryParse(garnet.Url, out RedisLocationUrl? parsed, out string error), error);
        RedisLocationStore store = RedisLocationStore.Open(new RedisLocationOptions
        {
            Url = parsed!,
            Clock = clock ?? new ManualClock(Now),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            QueryTimeout = TimeSpan.FromSeconds(10),
        });
        RedisServer.WaitFor(() => store.IsConnected, "the store to connect to Garnet");
        return store;
    }

    private static List<string> Contacts(ILocationSession session, int aor)
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
        foreach (ContactView c in reader.GetContacts(Now))
        {
            contacts.Add(Encoding.ASCII.GetString(c.Contact));
        }

        return contacts;
    }

    [Fact]
    public void SaveReadBackTimeToLiveAndRemovalWorkOnGarnet()
    {
        using GarnetHost garnet = GarnetHost.Start();
        using RedisLocationStore store = Open(garnet);
        using ILocationSession session = store.NewSession();

        Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, 1, "sip:a@198.51.100.1", Now + 60, Now, out _));
        Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, 1, "sip:b@198.51.100.2", Now + 3600, Now, out _));
        Assert.Equal(["sip:a@198.51.100.1", "sip:b@198.51.100.2"], Contacts(session, 1));
        Assert.InRange(long.Parse(RedisServer.Cli(garnet.Port, "PTTL loc:{user1@example.com}")), 3_500_000, 3_600_000);

        Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, 1, "sip:a@198.51.100.1", -1, Now, out _));
        Assert.Equal(UpdateStatus.Deleted, TestSupport.Save(session, 1, "sip:b@198.51.100.2", -1, Now, out _));
        Assert.Equal("0", RedisServer.Cli(garnet.Port, "EXISTS loc:{user1@example.com}"));
        Assert.Equal(ReadStatus.NotFound, session.Read(TestSupport.Aor(1), new byte[16], out _));
    }

    [Fact]
    public void GarnetExpiresAnAorWhoseBindingsHaveAllExpired()
    {
        using GarnetHost garnet = GarnetHost.Start();
        using RedisLocationStore store = Open(garnet);
        using ILocationSession session = store.NewSession();
        Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, 5, "sip:a@198.51.100.1", Now + 1, Now, out _));

        RedisServer.WaitFor(() => session.Read(TestSupport.Aor(5), new byte[1024], out _) == ReadStatus.NotFound, "Garnet to expire the key");
    }

    [Fact]
    public void ConcurrentSavesOfOneAorFromTwoNodesLoseNothingOnGarnet()
    {
        using GarnetHost garnet = GarnetHost.Start();
        using RedisLocationStore nodeA = Open(garnet);
        using RedisLocationStore nodeB = Open(garnet);
        const int Threads = 4;
        const int PerThread = 20;
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
                    if (TestSupport.Save(session, 6, $"sip:t{id}-{i}@198.51.100.{id + 1}", Now + 600, Now, out _) != UpdateStatus.Written)
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
        List<string> contacts = Contacts(reader, 6);
        Assert.Equal(Threads * PerThread, contacts.Count);
        Assert.Equal(contacts.Count, new HashSet<string>(contacts).Count);
    }

    [Fact]
    public void AParkedSaveGoesThroughOnGarnet()
    {
        using GarnetHost garnet = GarnetHost.Start();
        using RedisLocationStore store = Open(garnet);
        var session = (IFetchingSession)store.NewSession();
        var updater = new RedisParkedSaveTests.ParkedBinding { Contact = "sip:a@198.51.100.1"u8.ToArray(), Expires = Now + 600 };
        Assert.Equal(UpdateStatus.Written, RedisParkedSaveTests.Drive(session, TestSupport.Aor(2), "g 1"u8.ToArray(), ref updater, out byte[] stored, out int steps));
        Assert.Equal(3, steps);
        Assert.True(stored.Length > 0);
        Assert.Equal(["sip:a@198.51.100.1"], Contacts((ILocationSession)session, 2));
    }

    [Fact]
    public void UlDumpListingPagesThroughEveryAorOnGarnet()
    {
        using GarnetHost garnet = GarnetHost.Start();
        using RedisLocationStore store = Open(garnet);
        using ILocationSession session = store.NewSession();
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, i, "sip:a@198.51.100.1", Now + 600, Now, out _));
        }

        var seen = new HashSet<string>();
        var page = new List<byte[]>();
        string? cursor = null;
        for (int pages = 0; pages < 1000; pages++)
        {
            page.Clear();
            Assert.Equal(ListingStatus.Ok, store.ListPage(cursor, 37, page, out cursor));
            foreach (byte[] aor in page)
            {
                seen.Add(Encoding.ASCII.GetString(aor));
            }

            if (cursor is null)
            {
                break;
            }
        }

        Assert.Equal(200, seen.Count);
        Assert.Equal(200, store.GetStats().Aors);
    }
}
