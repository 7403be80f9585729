using System.Globalization;
using System.Net;

namespace Hyperproxy.Sak.Bench;

/// <summary>
/// Keeps REGISTER CSeqs rising from run to run (a registrar answers an older CSeq on the same
/// Call-ID with an error): the first CSeq is the larger of a clock value (16 per second since
/// 2026-01-01) and the next one the previous run against the same target left in a file under
/// the temp directory.
/// </summary>
public static class CSeqState
{
    public static long Next(IPEndPoint target, int users)
    {
        long clock = Math.Max(1, (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1_767_225_600L) * 16);
        try
        {
            string path = FileFor(target, users);
            if (File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long saved))
                return Math.Max(clock, saved);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return clock;
    }

    public static void Save(IPEndPoint target, int users, long next)
    {
        try
        {
            File.WriteAllText(FileFor(target, users), next.ToString(CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string FileFor(IPEndPoint target, int users) =>
        Path.Combine(Path.GetTempPath(), "hypersak-cseq-" + target.ToString().Replace(':', '_').Replace('[', '_').Replace(']', '_')
            + "-" + users.ToString(CultureInfo.InvariantCulture));
}
