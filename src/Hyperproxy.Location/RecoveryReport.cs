namespace Hyperproxy.Location;

/// <summary>What start-up recovery loaded and how long it took.</summary>
public sealed record RecoveryReport(
    bool FromCheckpoint,
    long WalEntriesReplayed,
    long Aors,
    long Contacts,
    TimeSpan Elapsed)
{
    public static RecoveryReport Empty { get; } = new(false, 0, 0, 0, TimeSpan.Zero);

    public override string ToString()
        => $"location store: loaded {Aors} AoRs, {Contacts} contacts in {Elapsed.TotalMilliseconds:F0} ms "
         + $"(checkpoint: {(FromCheckpoint ? "yes" : "no")}, WAL entries replayed: {WalEntriesReplayed})";
}
