using Xunit.Abstractions;

namespace Hyperproxy.Location.Tests;

/// <summary>
/// What a data folder promises an operator: one server at a time (a second store on an open folder is refused,
/// naming it), and a folder whose checkpoint or log was damaged stops start-up with a clear error instead of a
/// crash or a silently emptied table.
/// </summary>
public sealed class DataFolderTests(ITestOutputHelper output)
{
    private static void Save(ILocationSession session, int aor)
    {
        var updater = new BindingUpdater { Contact = "sip:ua@192.0.2.10:5060"u8, Expires = 0, Now = 1 };
        session.Update(TestSupport.Aor(aor), ref updater, out _);
    }

    [Fact]
    public void ASecondStoreOnAnOpenFolderIsRefusedAndTheFirstKeepsWorking()
    {
        using var dir = new TempDirectory();
        using (var first = TestSupport.Open(Durability.Checkpoint, dir.Path))
        {
            IOException refused = Assert.Throws<IOException>(() => TestSupport.Open(Durability.Sync, dir.Path));
            Assert.Contains("is in use by another process", refused.Message, StringComparison.Ordinal);
            Assert.Contains(dir.Path, refused.Message, StringComparison.Ordinal);

            using ILocationSession session = first.NewSession();
            Save(session, 1);
            Assert.NotNull(TestSupport.ReadRecord(session, TestSupport.Aor(1)));
        }

        // Closed: the folder is free again and what the first store saved is there.
        using var second = TestSupport.Open(Durability.Checkpoint, dir.Path);
        Assert.Equal(1, second.Recovery.Aors);
    }

    private static void FillAndClose(string directory)
    {
        using var store = TestSupport.Open(Durability.Checkpoint, directory);
        using ILocationSession session = store.NewSession();
        for (int i = 0; i < 2000; i++)
            Save(session, i);
    }

    private static string[] Files(string directory, string part) =>
        Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Where(f => f.Contains(part, StringComparison.Ordinal)).ToArray();

    /// <summary>Overwrites every byte of <paramref name="files"/> (at least one) with random ones, keeping their lengths.</summary>
    private static void Scramble(string[] files)
    {
        Assert.NotEmpty(files);
        var random = new Random(7);
        foreach (string f in files)
        {
            byte[] bytes = File.ReadAllBytes(f);
            random.NextBytes(bytes);
            File.WriteAllBytes(f, bytes);
        }
    }

    [Fact]
    public void ACheckpointThatCannotBeReadStopsTheOpenInsteadOfAnEmptyTable()
    {
        using var dir = new TempDirectory();
        FillAndClose(dir.Path);
        Scramble(Files(dir.Path, "cpr-checkpoints"));

        // FASTER alone starts with an empty table here (every binding silently gone); the seal says a checkpoint was there.
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => TestSupport.Open(Durability.Checkpoint, dir.Path));
        output.WriteLine(e.Message);
        Assert.Contains("no checkpoint in", e.Message, StringComparison.Ordinal);
        Assert.Contains("could be read", e.Message, StringComparison.Ordinal);
        Assert.Contains("move it aside", e.Message, StringComparison.Ordinal);

        // The refusal let go of the folder: the operator's next attempt is not told it is in use.
        Assert.Throws<InvalidDataException>(() => TestSupport.Open(Durability.Sync, dir.Path));
    }

    [Fact]
    public void ALogCutShortStopsTheOpenInsteadOfACheckpointWithNoRecords()
    {
        using var dir = new TempDirectory();
        FillAndClose(dir.Path);
        string[] log = Files(dir.Path, "hlog.log.");
        Assert.NotEmpty(log);
        foreach (string f in log)
            File.WriteAllBytes(f, []);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => TestSupport.Open(Durability.Checkpoint, dir.Path));
        output.WriteLine(e.Message);
        Assert.Contains("the log is cut short", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADamagedIndexCheckpointIsRebuiltFromTheLogWithEveryBinding()
    {
        using var dir = new TempDirectory();
        FillAndClose(dir.Path);
        Scramble(Files(dir.Path, "index-checkpoints"));

        using var reopened = TestSupport.Open(Durability.Checkpoint, dir.Path);
        using ILocationSession session = reopened.NewSession();
        for (int i = 0; i < 2000; i++)
            Assert.NotNull(TestSupport.ReadRecord(session, TestSupport.Aor(i)));
    }

    [Fact]
    public void AFolderFromBeforeTheSealOpensAsBefore()
    {
        using var dir = new TempDirectory();
        FillAndClose(dir.Path);
        File.Delete(Path.Combine(dir.Path, "checkpoints", "sealed"));
        using var reopened = TestSupport.Open(Durability.Checkpoint, dir.Path);
        Assert.Equal(2000, reopened.Recovery.Aors);
    }
}
