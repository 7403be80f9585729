using Hyperproxy.Location.Faster;

namespace Hyperproxy.Location.CrashVictim;

/// <summary>
/// "purge" mode (sync durability): registers user&lt;i&gt;@example.com for i &lt; count, the even ones with
/// a binding that expires at <see cref="Start"/> + 10 and the odd ones with a permanent one, checkpoints,
/// moves the clock past the expiry, purges, waits until a later write is committed (so the purge's WAL
/// entries are too) and prints "PURGED &lt;bindings removed&gt;". Then it waits to be killed.
/// </summary>
internal static class PurgeScenario
{
    public const long Start = 1_700_000_000;

    public static void Run(string directory, int count, TextWriter output)
    {
        var clock = new SteppedClock { Now = Start };
        using var store = new FasterLocationStore(new LocationStoreOptions
        {
            Durability = Durability.Sync,
            DataDirectory = directory,
            ExpectedAors = Math.Max(count, 1024),
            CheckpointInterval = TimeSpan.FromHours(1),
            PurgeInterval = TimeSpan.FromHours(1),
            Clock = clock,
        });
        using FasterLocationSession session = store.NewFasterSession();
        Span<byte> aor = stackalloc byte[64];
        for (int i = 0; i < count; i++)
        {
            int length = VictimUpdater.FormatAor(aor, i);
            var updater = new VictimUpdater { Index = i, Expires = i % 2 == 0 ? Start + 10 : 0 };
            session.Update(aor[..length], ref updater, out _);
        }
        if (!store.CheckpointNow())
            throw new InvalidOperationException("checkpoint failed");
        clock.Now = Start + 10;
        long removed = store.PurgeNow();
        int markerLength = VictimUpdater.FormatAor(aor, -1);
        var marker = new VictimUpdater { Index = -1 };
        session.Update(aor[..markerLength], ref marker, out CommitTicket ticket);
        if (!store.Commit(ticket))
            throw new InvalidOperationException("the WAL did not commit");
        output.WriteLine("PURGED " + removed);
        output.Flush();
        using var killed = new ManualResetEventSlim(false);
        killed.Wait();
    }

    private sealed class SteppedClock : LocationClock
    {
        public long Now;

        public override long UnixSeconds => Volatile.Read(ref Now);
    }
}
