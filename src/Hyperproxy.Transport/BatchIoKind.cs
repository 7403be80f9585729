namespace Hyperproxy.Transport;

/// <summary>Which <see cref="IBatchIo"/> implementation to use.</summary>
public enum BatchIoKind
{
    /// <summary>recvmmsg/sendmmsg on Linux, sockets elsewhere; HYPERPROXY_IO=socket|mmsg overrides.</summary>
    Auto,

    /// <summary><see cref="MmsgBatchIo"/> (Linux only).</summary>
    Mmsg,

    /// <summary><see cref="SocketBatchIo"/>, the portable fallback.</summary>
    Socket,
}
