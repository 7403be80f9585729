using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Hyperproxy.Location.Wal;

/// <summary>
/// The two calls the WAL needs that .NET does not expose: <c>fdatasync</c> (a <c>FileStream.Flush(true)</c>
/// is <c>fsync</c>, which also writes the inode's mtime and so costs a journal commit on every flush) and
/// an <c>fsync</c> of a directory (so a new segment file survives a power cut, not only a process kill).
/// Elsewhere than Linux the portable fallbacks are used.
/// </summary>
internal static partial class Libc
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // Linux x64 and arm64

    /// <summary>Makes the file's data (and the metadata needed to read it back) durable.</summary>
    public static void DataSync(SafeFileHandle file)
    {
        if (!OperatingSystem.IsLinux())
        {
            using var stream = new FileStream(file, FileAccess.Write, 0);
            stream.Flush(flushToDisk: true);
            return;
        }
        bool added = false;
        file.DangerousAddRef(ref added);
        try
        {
            int fd = (int)file.DangerousGetHandle();
            while (Fdatasync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Eintr)
                    throw new IOException($"fdatasync failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
            }
        }
        finally
        {
            if (added)
                file.DangerousRelease();
        }
    }

    /// <summary>Makes the directory's entries (a created or deleted file) durable; best effort elsewhere.</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
            return;
        int fd = Open(directory, ORdOnly | ODirectory);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot open directory {directory}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
        try
        {
            while (Fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Eintr)
                    throw new IOException($"fsync of directory {directory} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private const int Eintr = 4;
    private const uint SyncFileRangeWaitBefore = 1;
    private const uint SyncFileRangeWrite = 2;
    private const uint SyncFileRangeWaitAfter = 4;

    /// <summary>
    /// Starts the write-back of a range of <paramref name="file"/> and waits for it (<c>sync_file_range</c>): the
    /// data reaches the disk, not necessarily its cache's stable part (a later <c>fdatasync</c> flushes that). Used to
    /// pace a large write so the disk's queue never holds much of it. Best effort: nothing elsewhere than Linux, and
    /// an error is left for the <c>fdatasync</c> that follows to report.
    /// </summary>
    public static void WriteOut(SafeFileHandle file, long offset, long length)
    {
        if (!OperatingSystem.IsLinux())
            return;
        bool added = false;
        file.DangerousAddRef(ref added);
        try
        {
            while (SyncFileRange((int)file.DangerousGetHandle(), offset, length,
                SyncFileRangeWaitBefore | SyncFileRangeWrite | SyncFileRangeWaitAfter) != 0 && Marshal.GetLastPInvokeError() == Eintr)
            {
            }
        }
        finally
        {
            if (added)
                file.DangerousRelease();
        }
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(int fd, long offset, long length, uint flags);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
