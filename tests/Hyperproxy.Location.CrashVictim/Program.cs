using Hyperproxy.Location;
using Hyperproxy.Location.CrashVictim;
using Hyperproxy.Location.Faster;

// The process the crash tests SIGKILL: registers user<i>@example.com, i = 0, 1, 2, ..., one binding with
// two Path URIs each, and prints "ACK <i>" for every registration it would acknowledge:
//   sync:       once the WAL has committed it (replies parked in PendingAcks, committed and released
//               once per 64, as a worker does per receive batch);
//   checkpoint: at once, plus "CP <checkpoints completed> <acks so far>" whenever a checkpoint completes.
//   purge:      see PurgeScenario.
// Usage: crash-victim sync|checkpoint|purge <data directory> <count> [checkpoint interval ms]
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: crash-victim sync|checkpoint|purge <data directory> <count> [checkpoint interval ms]");
    return 2;
}
if (args[0] == "purge")
{
    PurgeScenario.Run(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), Console.Out);
    return 0;
}
Durability durability = args[0] == "sync" ? Durability.Sync : Durability.Checkpoint;
int count = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
int intervalMs = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 1000;
var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
using var store = new FasterLocationStore(new LocationStoreOptions
{
    Durability = durability,
    DataDirectory = args[1],
    ExpectedAors = Math.Max(count, 1024),
    CheckpointInterval = TimeSpan.FromMilliseconds(intervalMs),
});
output.WriteLine("READY " + store.Recovery.Aors + " " + store.Recovery);
output.Flush();
var session = store.NewFasterSession();
var pending = new PendingAcks<int>(4096, 4096 * 8);
var printer = new AckPrinter(output);
Span<byte> aor = stackalloc byte[64];
long lastCheckpoints = 0;
for (int i = 0; i < count; i++)
{
    int length = VictimUpdater.FormatAor(aor, i);
    var updater = new VictimUpdater { Index = i };
    session.Update(aor.Slice(0, length), ref updater, out CommitTicket ticket);
    if (durability == Durability.Sync)
    {
        // As a worker does: park each reply, commit and release once per batch of 64.
        while (!pending.TryPark(ticket, default, i))
            pending.Release(store, ref printer);
        if ((i & 63) == 63)
            pending.Release(store, ref printer);
    }
    else
    {
        output.WriteLine("ACK " + i);
        if ((i & 63) == 0)
        {
            long checkpoints = store.GetStats().Checkpoints;
            if (checkpoints != lastCheckpoints)
            {
                lastCheckpoints = checkpoints;
                output.WriteLine("CP " + checkpoints + " " + (i + 1));
            }
        }
    }
    if ((i & 255) == 0)
        output.Flush();
}
while (pending.Count > 0)
    pending.Release(store, ref printer);
output.WriteLine("DONE");
output.Flush();
// Stay alive until killed, so the test decides when the crash happens (nothing sets this event).
using var killed = new ManualResetEventSlim(false);
killed.Wait();
return 0;
