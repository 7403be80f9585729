using System.Diagnostics;
using System.Text;
using Hyperproxy.Location.Records;
using Hyperproxy.Location.Redis;
using Hyperproxy.Testing;
using Hyperproxy.Tests.Shared;
using Xunit.Abstractions;

namespace Hyperproxy.Location.Tests;

/// <summary>
/// Saves that do not hold up the worker (<see cref="IFetchingSession.UpdateOrStart"/>) against a real
/// redis-server: each call goes one step (fetch, compare-and-set, answer), the steps of many saves go out
/// pipelined, a save lost to another writer runs again on what is there now, durability sync waits for a
/// replica. Alone in its collection: the allocation figure is taken over the whole process.
/// </summary>
[Collection(nameof(RedisParkedSaveTests))]
[CollectionDefinition(nameof(RedisParkedSaveTests), DisableParallelization = true)]
public sealed class RedisParkedSaveTests
{
    private const long Now = 1_700_000_000;

    private readonly ITestOutputHelper _output;

    public RedisParkedSaveTests(ITestOutputHelper output) => _output = output;

    internal static RedisLocationStore Open(string url, bool waitForReplica = false, TimeSpan? queryTimeout = null)
    {
        Assert.True(RedisLocationUrl.TryParse(url, out RedisLocationUrl? parsed, out string error), error);
        RedisLocationStore store = RedisLocationStore.Open(new RedisLocationOptions
        {
            Url = parsed!,
            Clock = new ManualClock(Now),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            QueryTimeout = queryTimeout ?? TimeSpan.FromSeconds(10),
            WaitForReplica = waitForReplica,
        });
        RedisServer.WaitFor(() => store.IsConnected, "the store to connect to " + url);
        return store;
    }

    /// <summary>An updater as save() passes it: one binding of <see cref="Contact"/> added or refreshed.</summary>
    internal struct ParkedBinding : IParkedUpdater
    {
        public byte[] Contact;
        public long Expires;
        public int Runs;

        public readonly int Note => 7;

        public UpdateDecision Update(ReadOnlySpan<byte> current, Span<byte> destination, out int length)
        {
            Runs++;
            var inner = new BindingUpdater { Contact = Contact, Expires = Expires, Now = Now };
            return inner.Update(current, destination, out length);
        }
    }

    /// <summary>Calls UpdateOrStart until it is no longer pending, waiting (bounded) for answers in between, as a
    /// worker runs a parked request again; the number of calls it took comes back in <paramref name="steps"/>.</summary>
    internal static UpdateStatus Drive(IFetchingSession session, byte[] aor, byte[] name, ref ParkedBinding updater, out byte[] stored, out int steps)
    {
        stored = [];
        for (steps = 1; steps <= 100; steps++)
        {
            UpdateStatus status = session.UpdateOrStart(aor, name, ref updater, out ReadOnlySpan<byte> record, out int note);

            // As the worker does after each pass over its parked requests: the answers handed out are dropped.
            session.ForgetAnswers();
            if (status != UpdateStatus.Pending)
            {
                stored = record.ToArray();
                if (status == UpdateStatus.Written)
                {
                    Assert.Equal(7, note);
                }

                return status;
            }

            Assert.True(SpinWait.SpinUntil(() => session.HasAnswers, 30_000), "an answer within 30 s");
            session.SnapshotAnswers(); // as the worker does before a pass
        }

        throw new InvalidOperationException("more than 100 steps");
    }

    private static void Wait(Task task)
    {
        long end = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
        while (!task.IsCompleted && Stopwatch.GetTimestamp() < end)
        {
            Thread.SpinWait(20);
        }
    }

    /// <summary>Spins (bounded: 10 s) until an answer is in, allocating nothing.</summary>
    private static void WaitForAnswer(IFetchingSession session)
    {
        long end = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
        while (!session.HasAnswers && Stopwatch.GetTimestamp() < end)
        {
            Thread.SpinWait(20);
        }
    }

    internal static List<string> Contacts(byte[] record)
    {
        var contacts = new List<string>();
        if (record.Length == 0)
        {
            return contacts;
        }

        Assert.Equal(RecordError.None, LocationRecord.TryOpen(record, out LocationRecordReader reader));
        foreach (ContactView c in reader.GetContacts(Now))
        {
            contacts.Add(Encoding.ASCII.GetString(c.Contact));
        }

        return contacts;
    }

    [Fact]
    public void ASaveGoesFetchThenCompareAndSetThenAnswerAndTheReplyListsWhatWasStored()
    {
        using RedisServer redis = RedisServer.Start();
        using RedisLocationStore store = Open(redis.Url);
        var session = (IFetchingSession)store.NewSession();
        var updater = new ParkedBinding { Contact = "sip:a@198.51.100.1"u8.ToArray(), Expires = Now + 600 };

        Assert.Equal(UpdateStatus.Written, Drive(session, TestSupport.Aor(1), "c1 1"u8.ToArray(), ref updater, out byte[] stored, out int steps));
        Assert.Equal(3, steps); // the GET, the script, the answer
        Assert.Equal(["sip:a@198.51.100.1"], Contacts(stored));
        Assert.Equal(1, updater.Runs);
        Assert.Equal("1", redis.Command("EXISTS loc:{user1@example.com}"));

        // De-registration: the key goes.
        var remove = new ParkedBinding { Contact = "sip:a@198.51.100.1"u8.ToArray(), Expires = -1 };
        Assert.Equal(UpdateStatus.Deleted, Drive(session, TestSupport.Aor(1), "c1 2"u8.ToArray(), ref remove, out stored, out _));
        Assert.Empty(stored);
        Assert.Equal("0", redis.Command("EXISTS loc:{user1@example.com}"));
    }

    [Fact]
    public void ManySavesInFlightShareRoundTripsAndAllAreStored()
    {
        const int Saves = 100;
        using RedisServer redis = RedisServer.Start();
        using RedisLocationStore store = Open(redis.Url);
        var session = (IFetchingSession)store.NewSession();
        var updaters = new ParkedBinding[Saves];
        var done = new UpdateStatus[Saves];
        for (int i = 0; i < Saves; i++)
        {
            updaters[i] = new ParkedBinding { Contact = Encoding.ASCII.GetBytes($"sip:u{i}@198.51.100.1"), Expires = Now + 600 };
            done[i] = UpdateStatus.Pending;
        }

        long roundTripsBefore = store.GetStats().CachedbRoundTrips;
        for (int pass = 0; pass < 10 && Array.IndexOf(done, UpdateStatus.Pending) >= 0; pass++)
        {
            // One "batch": every save still pending takes its next step; then wait for the answers.
            session.SnapshotAnswers();
            for (int i = 0; i < Saves; i++)
            {
                if (done[i] == UpdateStatus.Pending)
                {
                    done[i] = session.UpdateOrStart(TestSupport.Aor(100 + i), Encoding.ASCII.GetBytes($"r{i} 1"), ref updaters[i], out _, out _);
                }
            }

            session.ForgetAnswers();
            SpinWait.SpinUntil(() => session.HasAnswers, 10_000);
            Thread.Sleep(0);
        }

        Assert.All(done, d => Assert.Equal(UpdateStatus.Written, d));
        Assert.Equal(Saves.ToString(), redis.Command("DBSIZE"));
        long roundTrips = store.GetStats().CachedbRoundTrips - roundTripsBefore;
        _output.WriteLine($"{Saves} saves in {roundTrips} round trips");
        Assert.True(roundTrips < Saves, $"{roundTrips} round trips for {Saves} saves");
    }

    [Fact]
    public void TwoNodesSavingOneAorAtOnceBothLandAndTheLoserRanAgainOnTheWinnersRecord()
    {
        using RedisServer redis = RedisServer.Start();
        using RedisLocationStore nodeA = Open(redis.Url);
        using RedisLocationStore nodeB = Open(redis.Url);
        var a = (IFetchingSession)nodeA.NewSession();
        var b = (IFetchingSession)nodeB.NewSession();
        byte[] aor = TestSupport.Aor(9);
        var ua = new ParkedBinding { Contact = "sip:a@198.51.100.1"u8.ToArray(), Expires = Now + 600 };
        var ub = new ParkedBinding { Contact = "sip:b@198.51.100.2"u8.ToArray(), Expires = Now + 600 };

        // Both fetch the (absent) record, then both send their compare-and-set: one of them must lose.
        Assert.Equal(UpdateStatus.Pending, a.UpdateOrStart(aor, "a 1"u8, ref ua, out _, out _));
        Assert.Equal(UpdateStatus.Pending, b.UpdateOrStart(aor, "b 1"u8, ref ub, out _, out _));
        Assert.True(SpinWait.SpinUntil(() => a.HasAnswers && b.HasAnswers, 10_000));
        a.SnapshotAnswers();
        b.SnapshotAnswers();
        Assert.Equal(UpdateStatus.Pending, a.UpdateOrStart(aor, "a 1"u8, ref ua, out _, out _));
        Assert.Equal(UpdateStatus.Pending, b.UpdateOrStart(aor, "b 1"u8, ref ub, out _, out _));
        a.ForgetAnswers();
        b.ForgetAnswers();

        Assert.Equal(UpdateStatus.Written, Drive(a, aor, "a 1"u8.ToArray(), ref ua, out byte[] storedA, out _));
        Assert.Equal(UpdateStatus.Written, Drive(b, aor, "b 1"u8.ToArray(), ref ub, out byte[] storedB, out _));
        Assert.Equal(1, nodeA.GetStats().CachedbConflicts + nodeB.GetStats().CachedbConflicts);
        Assert.Equal(3, ua.Runs + ub.Runs); // the loser's update ran again on the winner's record

        // The loser's reply lists both bindings (what it stored); the record holds both, once each.
        List<string> last = storedA.Length > storedB.Length ? Contacts(storedA) : Contacts(storedB);
        Assert.Equal(2, last.Count);
        using ILocationSession reader = nodeA.NewSession();
        var buffer = new byte[4096];
        Assert.Equal(ReadStatus.Found, reader.Read(aor, buffer, out int length));
        Assert.Equal(last.Order(), Contacts(buffer[..length]).Order());
    }

    [Fact]
    public void AServerThatStopsAnsweringFailsTheParkedSaveOnceItsTimeIsUp()
    {
        using RedisServer redis = RedisServer.Start();
        using RedisLocationStore store = Open(redis.Url, queryTimeout: TimeSpan.FromMilliseconds(500));
        var session = (IFetchingSession)store.NewSession();
        var updater = new ParkedBinding { Contact = "sip:a@198.51.100.1"u8.ToArray(), Expires = Now + 600 };
        redis.Pause();
        try
        {
            Assert.Equal(UpdateStatus.Pending, session.UpdateOrStart(TestSupport.Aor(3), "t 1"u8, ref updater, out _, out _));
            // The worker's parking fails what outlived the timeout (ResumeParked does this with the parking time).
            session.FailFetchesStartedBefore(Stopwatch.GetTimestamp() + 1);
            Assert.True(session.HasAnswers);
            session.SnapshotAnswers();
            Assert.Equal(UpdateStatus.Failed, session.UpdateOrStart(TestSupport.Aor(3), "t 1"u8, ref updater, out _, out _));
            session.ForgetAnswers();
            Assert.Equal(0, session.Fetches);
        }
        finally
        {
            redis.Continue();
        }
    }

    [Fact]
    public void AnAnswerThatComesDuringAPassStaysNewAndOnlyTheSnapshotsAnswersAreForgotten()
    {
        using RedisServer redis = RedisServer.Start();
        using RedisLocationStore store = Open(redis.Url);
        var session = (IFetchingSession)store.NewSession();
        var buffer = new byte[4096];

        // A fetch answered before the pass begins: handed out by the pass, then forgotten.
        Assert.Equal(ReadStatus.Pending, session.ReadOrFetch(TestSupport.Aor(1), buffer, out _));
        Assert.True(SpinWait.SpinUntil(() => session.HasAnswers, 10_000), "an answer within 10 s");
        session.SnapshotAnswers();
        Assert.False(session.HasAnswers);

        // During the pass, a request parks on a fetch that is answered before the pass ends (as one parked
        // again whose answer comes while the worker runs the rest): that answer is new, and kept.
        Assert.Equal(ReadStatus.Pending, session.ReadOrFetch(TestSupport.Aor(2), buffer, out _));
        Assert.True(SpinWait.SpinUntil(() => session.HasAnswers, 10_000), "the second answer within 10 s");
        Assert.Equal(ReadStatus.NotFound, session.ReadOrFetch(TestSupport.Aor(1), buffer, out _));
        session.ForgetAnswers();

        Assert.Equal(1, session.Fetches);
        Assert.True(session.HasAnswers, "the answer that came during the pass was forgotten with the pass's");
        session.SnapshotAnswers();
        Assert.Equal(ReadStatus.NotFound, session.ReadOrFetch(TestSupport.Aor(2), buffer, out _));
        session.ForgetAnswers();
        Assert.Equal(0, session.Fetches);
    }

    [Fact]
    public void DurabilitySyncCountsAWriteOnlyOnceAReplicaHasItAndFailsItWithoutOne()
    {
        using RedisServer primary = RedisServer.Start();
        using RedisServer replica = RedisServer.StartReplicaOf(primary);
        using RedisLocationStore store = Open(primary.Url, waitForReplica: true, queryTimeout: TimeSpan.FromSeconds(2));
        Assert.Equal(Durability.Sync, store.Durability);
        var session = (IFetchingSession)store.NewSession();
        var updater = new ParkedBinding { Contact = "sip:a@198.51.100.1"u8.ToArray(), Expires = Now + 600 };
        Assert.Equal(UpdateStatus.Written, Drive(session, TestSupport.Aor(1), "w 1"u8.ToArray(), ref updater, out _, out _));
        Assert.Equal("1", replica.Command("EXISTS loc:{user1@example.com}"));

        replica.Kill();
        var again = new ParkedBinding { Contact = "sip:b@198.51.100.1"u8.ToArray(), Expires = Now + 600 };
        Assert.Equal(UpdateStatus.Failed, Drive(session, TestSupport.Aor(2), "w 2"u8.ToArray(), ref again, out _, out _));
        Assert.Equal(1, store.GetStats().CachedbNotReplicated);
    }

    [Fact]
    public void ALookupIsAnsweredWhileAWriteWaitsForAPausedReplica()
    {
        using RedisServer primary = RedisServer.Start();
        using RedisServer replica = RedisServer.StartReplicaOf(primary);

        // WAIT's timeout is half of query_timeout: 20 s, longer than the read below may take.
        using RedisLocationStore store = Open(primary.Url, waitForReplica: true, queryTimeout: TimeSpan.FromSeconds(40));
        var writer = (IFetchingSession)store.NewSession();
        var reader = (IFetchingSession)store.NewSession();
        var known = new ParkedBinding { Contact = "sip:k@198.51.100.1"u8.ToArray(), Expires = Now + 600 };
        Assert.Equal(UpdateStatus.Written, Drive(writer, TestSupport.Aor(2), "k 1"u8.ToArray(), ref known, out _, out _));

        var updater = new ParkedBinding { Contact = "sip:a@198.51.100.1"u8.ToArray(), Expires = Now + 600 };
        replica.Pause();
        try
        {
            // The save's fetch, then its compare-and-set and WAIT: the WAIT now holds its connection (no replica answers).
            Assert.Equal(UpdateStatus.Pending, writer.UpdateOrStart(TestSupport.Aor(1), "w 1"u8, ref updater, out _, out _));
            WaitForAnswer(writer);
            writer.SnapshotAnswers();
            Assert.Equal(UpdateStatus.Pending, writer.UpdateOrStart(TestSupport.Aor(1), "w 1"u8, ref updater, out _, out _));
            writer.ForgetAnswers();

            // Another worker's lookup, sent after the WAIT, is answered while the WAIT is still outstanding: the reads'
            // connection is not the one WAIT blocks.
            var buffer = new byte[4096];
            Assert.Equal(ReadStatus.Pending, reader.ReadOrFetch(TestSupport.Aor(2), buffer, out _));
            Assert.True(SpinWait.SpinUntil(() => reader.HasAnswers, 15_000), "the lookup answered while the WAIT blocks");
            Assert.False(writer.HasAnswers, "the write's WAIT is still outstanding");
            reader.SnapshotAnswers();
            Assert.Equal(ReadStatus.Found, reader.ReadOrFetch(TestSupport.Aor(2), buffer, out int length));
            Assert.Equal(["sip:k@198.51.100.1"], Contacts(buffer[..length]));
            reader.ForgetAnswers();
        }
        finally
        {
            replica.Continue();
        }

        // Once the replica answers again the write counts.
        Assert.Equal(UpdateStatus.Written, Drive(writer, TestSupport.Aor(1), "w 1"u8.ToArray(), ref updater, out _, out _));
        Assert.Equal(0, store.GetStats().CachedbNotReplicated);
    }

    [Fact]
    public void AParkedSaveAllocatesOnlyWhatTheClientAllocatesPerCommand()
    {
        const int Saves = 200;
        using RedisServer redis = RedisServer.Start();
        using RedisLocationStore store = Open(redis.Url);
        var session = (IFetchingSession)store.NewSession();
        byte[][] aors = new byte[Saves][];
        byte[][] names = new byte[Saves][];
        var updaters = new ParkedBinding[Saves];
        for (int i = 0; i < Saves; i++)
        {
            aors[i] = TestSupport.Aor(1000 + i);
            names[i] = Encoding.ASCII.GetBytes($"alloc{i:D4} 1");
            updaters[i] = new ParkedBinding { Contact = Encoding.ASCII.GetBytes($"sip:u{i}@198.51.100.1"), Expires = Now + 600 };
        }

        void Round()
        {
            for (int i = 0; i < Saves; i++)
            {
                UpdateStatus status;
                while ((status = session.UpdateOrStart(aors[i], names[i], ref updaters[i], out _, out _)) == UpdateStatus.Pending)
                {
                    WaitForAnswer(session);
                    session.SnapshotAnswers();
                }

                if (status != UpdateStatus.Written)
                {
                    throw new InvalidOperationException("save " + i + ": " + status); // not Assert.Equal: xunit's comparer allocates
                }

                session.ForgetAnswers();
            }
        }

        // The same commands straight through the client, with arrays made once: what StackExchange.Redis itself
        // allocates for one GET and one script (the floor of a save).
        var database = store.Connection.GetDatabase();
        var keys = new StackExchange.Redis.RedisKey[1];
        var arguments = new StackExchange.Redis.RedisValue[4];
        byte[] key = Encoding.ASCII.GetBytes("loc:{bare}");
        byte[] record = new byte[200];
        void Bare()
        {
            for (int i = 0; i < Saves; i++)
            {
                Task<StackExchange.Redis.RedisValue> get = database.StringGetAsync(key);
                Wait(get);
                keys[0] = key;
                arguments[0] = "0";
                arguments[1] = StackExchange.Redis.RedisValue.EmptyString;
                arguments[2] = new ReadOnlyMemory<byte>(record);
                arguments[3] = 600_000;
                Task<StackExchange.Redis.RedisResult> script = database.ScriptEvaluateAsync(RedisScripts.CompareAndSet, keys, arguments);
                Wait(script);
            }
        }

        Bare();
        long floor = Allocations.Least(Bare);
        _output.WriteLine($"the client alone, a GET and a script: {floor / Saves} B per save on the calling thread");

        Round(); // warm: slots, key arrays, the script loaded; each AoR's record is then known, so the measured saves are the script alone
        long totalBefore = GC.GetTotalAllocatedBytes(precise: true);
        long worker = Allocations.Least(Round);
        long total = GC.GetTotalAllocatedBytes(precise: true) - totalBefore;
        _output.WriteLine($"per save: {worker / Saves} B on the worker's thread; {total / Saves / 3} B in the whole process (client threads included, three rounds)");

        // The floor is StackExchange.Redis's: per command a message, its task and result box, and the answer
        // (the GET's value as a byte[]); nothing of ours per save (keys, arguments, buffers and known records are reused).
        Assert.True(worker / Saves <= floor / Saves + 64, $"{worker / Saves} B per save on the worker's thread, the client alone {floor / Saves} B");
    }
}
