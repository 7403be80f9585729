using System.Buffers;

namespace Hyperproxy.Transport.Streams;

/// <summary>
/// The buffers stream messages travel in between the connection threads and the workers. A buffer is rented on one
/// thread and returned on another (a reader rents, the worker returns; the worker rents, a writer returns), which
/// drains <see cref="ArrayPool{T}.Shared"/>'s per-thread caches and makes it allocate under load; this pool keeps
/// enough arrays per size for every message in flight, so steady state allocates nothing.
/// </summary>
internal static class StreamBuffers
{
    public static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(maxArrayLength: 1 << 17, maxArraysPerBucket: 4096);
}
