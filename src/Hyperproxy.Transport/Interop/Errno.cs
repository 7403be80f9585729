namespace Hyperproxy.Transport.Interop;

/// <summary>The errno values the transport acts on (Linux numbering), mapped in one place.</summary>
internal static class Errno
{
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EINVAL = 22;
    public const int EMSGSIZE = 90;
    public const int ECONNREFUSED = 111;

    /// <summary>What to do after a failed call.</summary>
    public static ErrnoAction Classify(int errno) => errno switch
    {
        EINTR => ErrnoAction.Retry,
        EAGAIN => ErrnoAction.NothingNow,
        _ => ErrnoAction.Fail,
    };

    /// <summary>The system's text for an errno (cold path).</summary>
    public static string Describe(int errno) =>
        System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno) + " (errno " + errno + ")";
}
