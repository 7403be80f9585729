using Hyperproxy.Location.Faster;

namespace Hyperproxy.Location.Tests;

public class ExpiryTests
{
    private const long Start = 1_700_000_000;

    private static void Save(ILocationSession session, int aor, string contact, long expires) =>
        TestSupport.Save(session, aor, contact, expires, Start, out _);

    [Fact]
    public void ExpiredBindingsVanishFromReadsAtOnceAndArePurgedLater()
    {
        var clock = new ManualClock(Start);
        using var store = TestSupport.Open(Durability.None, null, clock);
        using ILocationSession session = store.NewSession();
        for (int i = 0; i < 100; i++)
        {
            Save(session, i, "sip:short@192.0.2.1", Start + 10);
            if (i % 2 == 0)
                Save(session, i, "sip:long@192.0.2.1", Start + 1000);
        }
        Assert.Equal(2, TestSupport.Contacts(TestSupport.ReadRecord(session, TestSupport.Aor(0)), Start).Count);
        Assert.Equal(["sip:long@192.0.2.1"], TestSupport.Contacts(TestSupport.ReadRecord(session, TestSupport.Aor(0)), Start + 10));
        Assert.Empty(TestSupport.Contacts(TestSupport.ReadRecord(session, TestSupport.Aor(1)), Start + 10));

        Assert.Equal(0, store.PurgeNow());
        clock.Set(Start + 10);
        Assert.Equal(100, store.PurgeNow());
        Assert.Null(TestSupport.ReadRecord(session, TestSupport.Aor(1)));
        Assert.Equal(["sip:long@192.0.2.1"], TestSupport.Contacts(TestSupport.ReadRecord(session, TestSupport.Aor(0)), 0));
        LocationStats stats = store.GetStats();
        Assert.Equal(100, stats.PurgedContacts);
        Assert.Equal(50, stats.PurgedAors);
        Assert.Equal(50, stats.Aors);
        Assert.Equal(50, stats.Contacts);
    }

    [Fact]
    public void PurgeKeepsBindingsRefreshedAfterTheyWereScanned()
    {
        var clock = new ManualClock(Start + 100);
        using var store = TestSupport.Open(Durability.None, null, clock);
        using ILocationSession session = store.NewSession();
        Save(session, 1, "sip:a@192.0.2.1", Start + 50);
        // Refreshed: the old version (expired) is still in the log and is a scan candidate; the purge
        // RMW re-checks the current version and leaves it.
        Save(session, 1, "sip:a@192.0.2.1", Start + 500);
        Assert.Equal(0, store.PurgeNow());
        Assert.Equal(["sip:a@192.0.2.1"], TestSupport.Contacts(TestSupport.ReadRecord(session, TestSupport.Aor(1)), Start + 100));
    }

    [Fact]
    public void BackgroundThreadPurgesWithoutBeingAsked()
    {
        var clock = new ManualClock(Start);
        using var store = TestSupport.Open(Durability.None, null, clock, purgeInterval: TimeSpan.FromMilliseconds(20));
        using ILocationSession session = store.NewSession();
        for (int i = 0; i < 50; i++)
            Save(session, i, "sip:short@192.0.2.1", Start + 5);
        clock.Set(Start + 5);
        Assert.True(TestSupport.WaitUntil(() => store.GetStats().PurgedAors == 50, TimeSpan.FromSeconds(10)));
        Assert.Null(TestSupport.ReadRecord(session, TestSupport.Aor(7)));
    }

    [Fact]
    public void CompactionKeepsLiveRecordsAndDropsExpiredOnes()
    {
        var clock = new ManualClock(Start);
        using var store = TestSupport.Open(Durability.None, null, clock);
        using ILocationSession session = store.NewSession();
        for (int round = 0; round < 30; round++)
        {
            for (int i = 0; i < 1000; i++)
                Save(session, i, "sip:c" + (round % 3) + "@192.0.2.1", i < 500 ? Start + 10 : 0);
        }
        clock.Set(Start + 20);
        long before = store.LogBytes;
        store.CompactNow();
        Assert.True(store.LogBytes <= before);
        for (int i = 0; i < 1000; i++)
        {
            int expected = i < 500 ? 0 : 3;
            Assert.Equal(expected, TestSupport.Contacts(TestSupport.ReadRecord(session, TestSupport.Aor(i)), Start + 20).Count);
        }
    }
}
