using Hyperproxy.Location.Redis;
using Hyperproxy.Testing;
using Hyperproxy.Tests.Shared;
using static Hyperproxy.Location.Tests.RedisParkedSaveTests;

namespace Hyperproxy.Location.Tests;

/// <summary>
/// A save of an AoR the session wrote lately goes out as the compare-and-set alone, expecting the record it wrote
/// (<see cref="RedisKnownRecords"/>); against a real redis-server: one command instead of two, a record changed by
/// another node or gone from Redis is found by the script and the update runs again on it, and a decision that writes
/// nothing is never taken on the known record alone.
/// </summary>
[Collection(nameof(RedisParkedSaveTests))]
public sealed class RedisKnownRecordTests
{
    private const long Now = 1_700_000_000;

    private static ParkedBinding Binding(string contact, long expires) =>
        new() { Contact = System.Text.Encoding.ASCII.GetBytes(contact), Expires = expires };

    [Fact]
    public void ARefreshOfAnAorThisSessionWroteIsTheScriptAloneInOneRoundTrip()
    {
        using RedisServer redis = RedisServer.Start();
        using RedisLocationStore store = Open(redis.Url);
        var session = (IFetchingSession)store.NewSession();
        byte[] aor = TestSupport.Aor(1);
        ParkedBinding first = Binding("sip:a@198.51.100.1", Now + 600);
        Assert.Equal(UpdateStatus.Written, Drive(session, aor, "c1 1"u8.ToArray(), ref first, out _, out int steps));
        Assert.Equal(3, steps); // GET, script, answer

        long operations = store.GetStats().CachedbOperations;
        ParkedBinding refresh = Binding("sip:a@198.51.100.1", Now + 3600);
        Assert.Equal(UpdateStatus.Written, Drive(session, aor, "c1 2"u8.ToArray(), ref refresh, out byte[] stored, out steps));
        Assert.Equal(2, steps); // script, answer
        Assert.Equal(1, store.GetStats().CachedbOperations - operations);
        Assert.Equal(1, store.GetStats().CachedbKnownSaves);
        Assert.Equal(0, store.GetStats().CachedbKnownStale);
        Assert.Equal(["sip:a@198.51.100.1"], Contacts(stored));
        long ttl = long.Parse(redis.Command("PTTL loc:{user1@example.com}"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(ttl, 3_000_000, 3_600_000); // the refresh's expiry, not the first one's
    }

    [Fact]
    public void AKnownRecordAnotherNodeChangedIsAnsweredByTheScriptAndTheSaveRunsAgainOnIt()
    {
        using RedisServer redis = RedisServer.Start();
        using RedisLocationStore nodeA = Open(redis.Url);
        using RedisLocationStore nodeB = Open(redis.Url);
        var a = (IFetchingSession)nodeA.NewSession();
        var b = (IFetchingSession)nodeB.NewSession();
        byte[] aor = TestSupport.Aor(2);
        ParkedBinding ua = Binding("sip:a@198.51.100.1", Now + 600);
        Assert.Equal(UpdateStatus.Written, Drive(a, aor, "a 1"u8.ToArray(), ref ua, out _, out _));
        ParkedBinding ub = Binding("sip:b@198.51.100.2", Now + 600);
        Assert.Equal(UpdateStatus.Written, Drive(b, aor, "b 1"u8.ToArray(), ref ub, out _, out _));

        // Node A still knows the record without b: its refresh expects that, the script answers the record with b,
        // and the update runs again on it — b is kept.
        ParkedBinding again = Binding("sip:a@198.51.100.1", Now + 1200);
        Assert.Equal(UpdateStatus.Written, Drive(a, aor, "a 2"u8.ToArray(), ref again, out byte[] stored, out int steps));
        Assert.Equal(3, steps); // script (stale), script, answer
        Assert.Equal(2, again.Runs);
        Assert.Equal(new[] { "sip:a@198.51.100.1", "sip:b@198.51.100.2" }, Contacts(stored).Order());
        Assert.Equal(1, nodeA.GetStats().CachedbKnownStale);
        Assert.Equal(0, nodeA.GetStats().CachedbConflicts); // not a race lost: the fetch the save skipped
        using ILocationSession reader = nodeB.NewSession();
        var buffer = new byte[4096];
        Assert.Equal(ReadStatus.Found, reader.Read(aor, buffer, out int length));
        Assert.Equal(new[] { "sip:a@198.51.100.1", "sip:b@198.51.100.2" }, Contacts(buffer[..length]).Order());
    }

    [Fact]
    public void AKnownRecordRedisNoLongerHasIsWrittenAfreshWithoutTheBindingsItLost()
    {
        using RedisServer redis = RedisServer.Start();
        using RedisLocationStore store = Open(redis.Url);
        var session = (IFetchingSession)store.NewSession();
        byte[] aor = TestSupport.Aor(3);
        ParkedBinding first = Binding("sip:a@198.51.100.1", Now + 600);
        Assert.Equal(UpdateStatus.Written, Drive(session, aor, "c 1"u8.ToArray(), ref first, out _, out _));
        Assert.Equal("1", redis.Command("DEL loc:{user3@example.com}")); // as Redis does when the key's TTL runs out

        ParkedBinding second = Binding("sip:c@198.51.100.3", Now + 600);
        Assert.Equal(UpdateStatus.Written, Drive(session, aor, "c 2"u8.ToArray(), ref second, out byte[] stored, out _));
        Assert.Equal(["sip:c@198.51.100.3"], Contacts(stored));
        Assert.Equal(1, store.GetStats().CachedbKnownStale);
        Assert.Equal("1", redis.Command("EXISTS loc:{user3@example.com}"));
    }

    [Fact]
    public void ADeRegistrationOfABindingTheKnownRecordLacksIsDecidedOnTheRecordRedisHas()
    {
        using RedisServer redis = RedisServer.Start();
        using RedisLocationStore nodeA = Open(redis.Url);
        using RedisLocationStore nodeB = Open(redis.Url);
        var a = (IFetchingSession)nodeA.NewSession();
        var b = (IFetchingSession)nodeB.NewSession();
        byte[] aor = TestSupport.Aor(4);

        // Node A registers and de-registers: it knows the AoR as absent. Node B then registers b.
        ParkedBinding add = Binding("sip:a@198.51.100.1", Now + 600);
        Assert.Equal(UpdateStatus.Written, Drive(a, aor, "a 1"u8.ToArray(), ref add, out _, out _));
        ParkedBinding remove = Binding("sip:a@198.51.100.1", -1);
        Assert.Equal(UpdateStatus.Deleted, Drive(a, aor, "a 2"u8.ToArray(), ref remove, out _, out _));
        ParkedBinding ub = Binding("sip:b@198.51.100.2", Now + 600);
        Assert.Equal(UpdateStatus.Written, Drive(b, aor, "b 1"u8.ToArray(), ref ub, out _, out _));

        // A de-registration of b reaches node A: on the known (absent) record there is nothing to remove, which is
        // not for the known record to decide; fetched, b is there and goes.
        ParkedBinding removeB = Binding("sip:b@198.51.100.2", -1);
        Assert.Equal(UpdateStatus.Deleted, Drive(a, aor, "b 2"u8.ToArray(), ref removeB, out _, out _));
        Assert.Equal("0", redis.Command("EXISTS loc:{user4@example.com}"));
    }
}
