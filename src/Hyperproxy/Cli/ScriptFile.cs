using System.Runtime.InteropServices;
using Hyperproxy.Hosting;

namespace Hyperproxy.Cli;

/// <summary>
/// The routing script file must be readable before anything starts; <c>run --config</c> and <c>check-config</c> say so in
/// the same words, with the operating system's reason (<c>No such file or directory</c>, <c>Permission denied</c>, ...).
/// </summary>
internal static class ScriptFile
{
    private const int Enoent = 2;
    private const int Eacces = 13;
    private const int Eisdir = 21;

    /// <summary>Throws <c>NAME 'path': cannot read the script: REASON</c> (exit code 1) when <paramref name="path"/> cannot be read.</summary>
    public static void RequireReadable(string name, string path)
    {
        string? reason = WhyUnreadable(path);
        if (reason is not null)
        {
            throw new StartupException($"{name} '{path}': cannot read the script: {reason}");
        }
    }

    /// <summary>Null when the file opens for reading, else the OS's reason.</summary>
    public static string? WhyUnreadable(string path)
    {
        if (Directory.Exists(path))
        {
            return Marshal.GetPInvokeErrorMessage(Eisdir);
        }

        try
        {
            using var handle = File.OpenHandle(path);
            return null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Marshal.GetPInvokeErrorMessage(Enoent);
        }
        catch (UnauthorizedAccessException)
        {
            return Marshal.GetPInvokeErrorMessage(Eacces);
        }
        catch (IOException e)
        {
            // On Unix an I/O error without a .NET exception type of its own carries the errno as its HResult.
            return e.HResult is > 0 and < 4096 ? Marshal.GetPInvokeErrorMessage(e.HResult) : e.Message;
        }
    }
}
