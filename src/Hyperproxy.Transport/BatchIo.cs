using System.Net.Sockets;

namespace Hyperproxy.Transport;

/// <summary>Chooses and creates the <see cref="IBatchIo"/> implementation.</summary>
public static class BatchIo
{
    /// <summary>Environment variable that forces an implementation: "mmsg" or "socket".</summary>
    public const string EnvironmentVariable = "HYPERPROXY_IO";

    /// <summary>The concrete kind <paramref name="kind"/> stands for on this machine.</summary>
    public static BatchIoKind Resolve(BatchIoKind kind)
    {
        if (kind == BatchIoKind.Auto)
        {
            string? forced = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (string.Equals(forced, "socket", StringComparison.OrdinalIgnoreCase))
                kind = BatchIoKind.Socket;
            else if (string.Equals(forced, "mmsg", StringComparison.OrdinalIgnoreCase))
                kind = BatchIoKind.Mmsg;
            else if (!string.IsNullOrEmpty(forced))
                throw new TransportException($"{EnvironmentVariable}={forced}: expected 'mmsg' or 'socket'");
            else
                kind = OperatingSystem.IsLinux() ? BatchIoKind.Mmsg : BatchIoKind.Socket;
        }
        if (kind == BatchIoKind.Mmsg && !OperatingSystem.IsLinux())
            throw new TransportException("recvmmsg/sendmmsg I/O needs Linux; use the socket I/O");
        return kind;
    }

    /// <summary>
    /// Creates the I/O for one worker over <paramref name="sockets"/> (which it then owns and
    /// closes on Dispose), for batches of up to <paramref name="capacity"/> datagrams.
    /// </summary>
    public static IBatchIo Create(BatchIoKind kind, IReadOnlyList<Socket> sockets, int capacity)
    {
        return Resolve(kind) == BatchIoKind.Mmsg
            ? new MmsgBatchIo(sockets, capacity)
            : new SocketBatchIo(sockets);
    }
}
