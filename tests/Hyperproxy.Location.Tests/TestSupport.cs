using System.Text;
using Hyperproxy.Location.Faster;
using Hyperproxy.Location.Records;

namespace Hyperproxy.Location.Tests;

/// <summary>A clock the tests move by hand.</summary>
internal sealed class ManualClock : LocationClock
{
    private long _now;

    public ManualClock(long now) => _now = now;

    public override long UnixSeconds => Volatile.Read(ref _now);

    public void Set(long now) => Volatile.Write(ref _now, now);
}

/// <summary>A data directory under /tmp removed at the end of the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hp-location-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class TestSupport
{
    public static byte[] Aor(int i) => Encoding.ASCII.GetBytes("user" + i + "@example.com");

    /// <summary>Saves one binding of <paramref name="contact"/> for AoR <paramref name="aor"/> at <paramref name="now"/>.</summary>
    public static UpdateStatus Save(ILocationSession session, int aor, string contact, long expires, long now, out CommitTicket ticket)
    {
        var updater = new BindingUpdater
        {
            Contact = Encoding.ASCII.GetBytes(contact),
            Expires = expires,
            Now = now,
        };
        return session.Update(Aor(aor), ref updater, out ticket);
    }

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes);

    public static FasterLocationStore Open(Durability durability, string? directory, LocationClock? clock = null, int expected = 10_000,
        TimeSpan? checkpointInterval = null, TimeSpan? purgeInterval = null, long checkpointWalBytes = LocationStoreOptions.DefaultCheckpointWalBytes,
        long walSegmentBytes = 0)
        => new(new LocationStoreOptions
        {
            Durability = durability,
            DataDirectory = directory,
            ExpectedAors = expected,
            CheckpointInterval = checkpointInterval ?? TimeSpan.FromHours(1),
            PurgeInterval = purgeInterval ?? TimeSpan.FromHours(1),
            CheckpointWalBytes = checkpointWalBytes,
            WalSegmentBytes = walSegmentBytes,
            Clock = clock ?? LocationClock.System,
        });

    /// <summary>Every binding the record holds, expired ones included (0 when absent).</summary>
    public static int StoredCount(byte[]? record)
    {
        if (record is null)
            return 0;
        Assert.Equal(RecordError.None, LocationRecord.TryOpen(record, out LocationRecordReader reader));
        return reader.Count;
    }

    /// <summary>Reads and validates the AoR's record; null when absent.</summary>
    public static byte[]? ReadRecord(ILocationSession session, ReadOnlySpan<byte> aor)
    {
        var buffer = new byte[8192];
        ReadStatus status = session.Read(aor, buffer, out int length);
        if (status == ReadStatus.NotFound)
            return null;
        Assert.Equal(ReadStatus.Found, status);
        byte[] record = buffer.AsSpan(0, length).ToArray();
        Assert.Equal(RecordError.None, LocationRecord.Validate(record));
        return record;
    }

    /// <summary>Contact URIs valid at <paramref name="now"/>, in stored order.</summary>
    public static List<string> Contacts(byte[]? record, long now)
    {
        var list = new List<string>();
        if (record is null)
            return list;
        Assert.Equal(RecordError.None, LocationRecord.TryOpen(record, out LocationRecordReader reader));
        foreach (ContactView c in reader.GetContacts(now))
            list.Add(Text(c.Contact));
        return list;
    }

    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        var spin = new SpinWait();
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
                return false;
            spin.SpinOnce(sleep1Threshold: 30);
        }
        return true;
    }
}
