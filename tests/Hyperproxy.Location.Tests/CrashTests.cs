using System.Diagnostics;
using System.Globalization;

namespace Hyperproxy.Location.Tests;

/// <summary>
/// SIGKILL a process that is registering AoRs (tests/Hyperproxy.Location.CrashVictim), reopen its data
/// directory here and check what the durability mode promises.
/// </summary>
public class CrashTests
{
    private sealed class Victim
    {
        public readonly List<int> Acks = [];
        public readonly List<(long Checkpoints, int Acks)> Checkpoints = [];
        public long Purged = -1;
    }

    private static Victim RunAndKill(string mode, string directory, int count, Func<Victim, bool> killWhen, string? intervalMs = null)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Hyperproxy.Location.CrashVictim.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add(mode);
        start.ArgumentList.Add(directory);
        start.ArgumentList.Add(count.ToString(CultureInfo.InvariantCulture));
        if (intervalMs is not null)
            start.ArgumentList.Add(intervalMs);
        var victim = new Victim();
        using var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        long deadline = Environment.TickCount64 + 30_000;
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null)
        {
            Parse(victim, line);
            if (killWhen(victim) || line == "DONE" || Environment.TickCount64 > deadline)
                break;
        }
        process.Kill(entireProcessTree: true);
        // Whatever the victim printed before it died was acknowledged to its "clients" too.
        while ((line = process.StandardOutput.ReadLine()) is not null)
            Parse(victim, line);
        Assert.True(process.WaitForExit(10_000));
        return victim;
    }

    // The kill can cut the last line: "ACK " with no number does not parse, and a cut number ("ACK 12" of
    // "ACK 1234") is not above the previous acknowledgement (they come in order); both are skipped.
    private static void Parse(Victim victim, string line)
    {
        string[] parts = line.Split(' ');
        if (parts[0] == "ACK" && parts.Length == 2 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int ack))
        {
            if (victim.Acks.Count == 0 || ack > victim.Acks[^1])
                victim.Acks.Add(ack);
        }
        else if (parts[0] == "CP" && parts.Length == 3 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out long checkpoints)
            && int.TryParse(parts[2], CultureInfo.InvariantCulture, out int acks))
            victim.Checkpoints.Add((checkpoints, acks));
        else if (parts[0] == "PURGED" && parts.Length == 2 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out long purged))
            victim.Purged = purged;
    }

    [Fact]
    public void SyncModeKeepsACommittedPurgeAcrossSigkill()
    {
        using var dir = new TempDirectory();
        Victim victim = RunAndKill("purge", dir.Path, 2000, v => v.Purged >= 0);
        Assert.Equal(1000, victim.Purged);
        // Reopened with the clock back before the expiry: a purged binding that came back would read as valid.
        using var store = TestSupport.Open(Durability.Sync, dir.Path, new ManualClock(1_700_000_000), expected: 4096);
        Assert.Equal(1001, store.Recovery.Aors); // the odd AoRs and the marker
        using ILocationSession session = store.NewSession();
        var buffer = new byte[4096];
        for (int i = 0; i < 2000; i++)
            Assert.Equal(i % 2 == 0 ? ReadStatus.NotFound : ReadStatus.Found, session.Read(TestSupport.Aor(i), buffer, out _));
    }

    [Fact]
    public void SyncModeLosesNoAcknowledgedRegistrationOnSigkill()
    {
        using var dir = new TempDirectory();
        Victim victim = RunAndKill("sync", dir.Path, 200_000, v => v.Acks.Count >= 20_000);
        Assert.True(victim.Acks.Count >= 1000, "victim acknowledged only " + victim.Acks.Count);
        using var store = TestSupport.Open(Durability.Sync, dir.Path, expected: 200_000);
        using ILocationSession session = store.NewSession();
        var buffer = new byte[4096];
        int missing = 0;
        foreach (int i in victim.Acks)
        {
            if (session.Read(TestSupport.Aor(i), buffer, out _) != ReadStatus.Found)
                missing++;
        }
        Assert.Equal(0, missing);
        Assert.True(store.Recovery.Aors >= victim.Acks.Count);
    }

    [Fact]
    public void CheckpointModeLosesAtMostTheWritesAfterTheLastCompletedCheckpoint()
    {
        using var dir = new TempDirectory();
        Victim victim = RunAndKill("checkpoint", dir.Path, 2_000_000,
            v => v.Checkpoints.Count > 0 && v.Checkpoints[^1].Checkpoints >= 4, intervalMs: "100");
        Assert.True(victim.Checkpoints.Count > 0, "no checkpoint completed in the victim");
        long lastSeen = victim.Checkpoints[^1].Checkpoints;
        // Acks printed before the victim saw checkpoint counter c precede the start of checkpoint c + 2,
        // which completed if c + 2 <= the last counter value it saw.
        int guaranteed = 0;
        foreach ((long c, int acks) in victim.Checkpoints)
        {
            if (c <= lastSeen - 2)
                guaranteed = Math.Max(guaranteed, acks);
        }
        using var store = TestSupport.Open(Durability.Checkpoint, dir.Path, expected: 2_000_000);
        using ILocationSession session = store.NewSession();
        var buffer = new byte[4096];
        // Not bounded by the acks read: the victim writes ahead of the acks it prints (a loaded machine lets its
        // output lag), and a checkpoint may hold writes whose ack line never came out.
        int prefix = 0;
        while (prefix < 2_000_000 && session.Read(TestSupport.Aor(prefix), buffer, out _) == ReadStatus.Found)
            prefix++;
        Assert.True(prefix >= guaranteed, $"recovered {prefix} registrations, {guaranteed} were guaranteed");
        // One session's writes come back as a prefix (CPR): nothing after the first gap.
        for (int i = prefix; i < prefix + 1000; i++)
            Assert.NotEqual(ReadStatus.Found, session.Read(TestSupport.Aor(i), buffer, out _));
        Assert.Equal(prefix, store.Recovery.Aors);
    }
}
