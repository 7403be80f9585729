using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Streams;

/// <summary>
/// One TCP or TLS connection. Its reader (a <see cref="PipeReader"/> over the socket's stream, on the thread pool,
/// never on a worker) cuts messages with <see cref="SipStreamFramer"/> and hands each to the owning worker's
/// inbox; its writer drains a bounded queue of outgoing messages that any worker may fill. Closing is idempotent
/// and never touches another connection.
/// </summary>
internal sealed class StreamConnection
{
    private readonly StreamTransport _transport;
    private readonly Channel<OutboundChunk> _writes;
    private readonly CancellationTokenSource _closed = new();
    private Stream? _stream;
    private int _closing;
    private volatile bool _closeAfterWrites;

    public StreamConnection(StreamTransport transport, long id, Socket socket, TransportProtocol protocol, int socketIndex,
        NetAddress peer, int worker, bool inbound)
    {
        _transport = transport;
        Id = id;
        Socket = socket;
        Protocol = protocol;
        SocketIndex = socketIndex;
        Peer = peer;
        Worker = worker;
        Inbound = inbound;
        _writes = Channel.CreateBounded<OutboundChunk>(new BoundedChannelOptions(transport.Options.MaxQueuedWrites)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        long now = Environment.TickCount64;
        CreatedAt = now;
        LastActivity = now;
    }

    public long Id { get; }

    public Socket Socket { get; }

    public TransportProtocol Protocol { get; }

    /// <summary>The listening socket (index in the worker's socket numbering) it belongs to.</summary>
    public int SocketIndex { get; }

    public NetAddress Peer { get; }

    public int Worker { get; }

    /// <summary>Accepted (true) or opened by us (false).</summary>
    public bool Inbound { get; }

    public long CreatedAt { get; }

    /// <summary>Environment.TickCount64 of the last byte read or written.</summary>
    public long LastActivity;

    /// <summary>When the unread bytes started to be a partial message (0: none).</summary>
    public long PartialSince;

    /// <summary>True until the stream is usable (connect / TLS handshake done).</summary>
    public volatile bool Establishing = true;

    public bool IsClosed => Volatile.Read(ref _closing) != 0;

    public CancellationToken ClosedToken => _closed.Token;

    /// <summary>Queues a copy of <paramref name="payload"/> for the writer; false (and the connection closed) when its queue is full.</summary>
    public bool Enqueue(ReadOnlySpan<byte> payload)
    {
        if (IsClosed)
            return false;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(payload.Length, 1));
        payload.CopyTo(buffer);
        if (_writes.Writer.TryWrite(new OutboundChunk(buffer, payload.Length)))
            return true;
        ArrayPool<byte>.Shared.Return(buffer);
        if (!IsClosed)
        {
            Interlocked.Increment(ref _transport.CountersRef.ClosedWriteOverflow);
            Close();
        }
        return false;
    }

    /// <summary>Queues <paramref name="payload"/> and closes the connection once everything queued is written.</summary>
    public void EnqueueAndClose(ReadOnlySpan<byte> payload)
    {
        _closeAfterWrites = true;
        if (!Enqueue(payload))
            return;
        _writes.Writer.TryComplete();
    }

    /// <summary>Starts reading and writing over <paramref name="stream"/> (the socket's, or a TLS stream over it).</summary>
    public void Run(Stream stream)
    {
        _stream = stream;
        Establishing = false;
        LastActivity = Environment.TickCount64;
        _ = Task.Run(ReadLoop);
        _ = Task.Run(WriteLoop);
    }

    public void Close()
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
            return;
        try
        {
            _closed.Cancel();
        }
        catch (AggregateException)
        {
        }
        _writes.Writer.TryComplete();
        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        try
        {
            _stream?.Dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
        }
        Socket.Dispose();
        while (_writes.Reader.TryRead(out OutboundChunk chunk))
            ArrayPool<byte>.Shared.Return(chunk.Buffer);
        _transport.Forget(this);
    }

    private async Task ReadLoop()
    {
        StreamOptions options = _transport.Options;
        PipeReader reader = PipeReader.Create(_stream!, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true));
        byte[]? scratch = null;
        try
        {
            while (!IsClosed)
            {
                ReadResult result = await reader.ReadAsync(_closed.Token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                LastActivity = Environment.TickCount64;
                bool keepGoing = Cut(ref buffer, options, ref scratch);
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (!keepGoing)
                    return;
                if (buffer.IsEmpty)
                    PartialSince = 0;
                else if (PartialSince == 0)
                    PartialSince = Environment.TickCount64;
                if (result.IsCompleted)
                    break;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException
            or System.Security.Authentication.AuthenticationException or InvalidOperationException)
        {
        }
        finally
        {
            if (scratch is not null)
                ArrayPool<byte>.Shared.Return(scratch);
            await reader.CompleteAsync().ConfigureAwait(false);
            if (!_closeAfterWrites)
                Close(); // the writer closes a connection that ends with a last reply
        }
    }

    /// <summary>Cuts every complete message out of <paramref name="buffer"/> (which is left at the unread rest); false: stop reading.</summary>
    private bool Cut(ref ReadOnlySequence<byte> buffer, StreamOptions options, ref byte[]? scratch)
    {
        while (!buffer.IsEmpty)
        {
            ReadOnlySpan<byte> data;
            if (buffer.IsSingleSegment)
            {
                data = buffer.FirstSpan;
            }
            else
            {
                int n = (int)Math.Min(buffer.Length, options.MaxMessageBytes + 4L);
                scratch ??= ArrayPool<byte>.Shared.Rent(options.MaxMessageBytes + 4);
                buffer.Slice(0, n).CopyTo(scratch);
                data = scratch.AsSpan(0, n);
            }

            FrameResult frame = SipStreamFramer.Frame(data, Math.Min(options.MaxHeaderBytes, options.MaxMessageBytes), options.MaxMessageBytes, out int length);
            switch (frame)
            {
                case FrameResult.NeedMore:
                    return true;
                case FrameResult.Skip:
                    buffer = buffer.Slice(length);
                    break;
                case FrameResult.Ping:
                    Interlocked.Increment(ref _transport.CountersRef.Pings);
                    if (options.CrlfPingPong)
                        Enqueue("\r\n"u8);
                    buffer = buffer.Slice(length);
                    break;
                case FrameResult.Message:
                    byte[] copy = ArrayPool<byte>.Shared.Rent(length);
                    data[..length].CopyTo(copy);
                    Interlocked.Increment(ref _transport.CountersRef.MessagesIn);
                    _transport.Deliver(new InboundMessage(copy, length, Id, Peer, SocketIndex), Worker);
                    buffer = buffer.Slice(length);
                    break;
                case FrameResult.MissingContentLength:
                case FrameResult.BadContentLength:
                    // RFC 3261 §18.3: a stream message MUST carry Content-Length; answer 400 and close (framing is lost).
                    Interlocked.Increment(ref _transport.CountersRef.ClosedMissingContentLength);
                    Span<byte> reply = new byte[8192];
                    ReadOnlySpan<byte> reason = frame == FrameResult.MissingContentLength ? "Missing Content-Length"u8 : "Bad Content-Length"u8;
                    int written = StreamReplies.WriteBadRequest(data[..length], reason, reply);
                    if (written > 0)
                        EnqueueAndClose(reply[..written]);
                    else
                        Close();
                    return false;
                default:
                    Interlocked.Increment(ref _transport.CountersRef.ClosedTooLarge);
                    Close();
                    return false;
            }
        }
        return true;
    }

    private async Task WriteLoop()
    {
        ChannelReader<OutboundChunk> reader = _writes.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_closed.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out OutboundChunk chunk))
                {
                    try
                    {
                        await _stream!.WriteAsync(chunk.Buffer.AsMemory(0, chunk.Length), _closed.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(chunk.Buffer);
                    }
                    LastActivity = Environment.TickCount64;
                }
                await _stream!.FlushAsync(_closed.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException
            or InvalidOperationException or NotSupportedException)
        {
        }
        Close(); // the queue ends only when the connection closes (or ends with a last reply)
    }

    private readonly record struct OutboundChunk(byte[] Buffer, int Length);
}
