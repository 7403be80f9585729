namespace Hyperproxy.Transport.Interop;

/// <summary>How a syscall failure is handled.</summary>
internal enum ErrnoAction : byte
{
    /// <summary>EINTR: call again.</summary>
    Retry,

    /// <summary>EAGAIN / EWOULDBLOCK: nothing to do now.</summary>
    NothingNow,

    /// <summary>A real error: count it and move on.</summary>
    Fail,
}
