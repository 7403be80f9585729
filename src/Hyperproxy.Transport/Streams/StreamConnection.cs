using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Streams;

/// <summary>
/// One TCP or TLS connection. Its reader (a <see cref="PipeReader"/> over the socket's stream, on the thread pool,
/// never on a worker) cuts messages with <see cref="SipStreamFramer"/> and hands each to the owning worker's
/// inbox; its writer drains a bounded queue of outgoing messages that any worker may fill (a worker writes a plain
/// socket itself after its batch, <see cref="FlushFromWorker"/>, while the writer is idle). Closing is idempotent
/// and never touches another connection.
/// </summary>
/// <remarks>
/// An idle connection holds no buffer: the reader waits with a zero-byte read and rents its buffer only once bytes
/// are there, and the writer runs (queued to the thread pool) only while messages wait, so tens of thousands of idle
/// connections cost a few KiB each.
/// </remarks>
internal sealed class StreamConnection : IThreadPoolWorkItem
{
    /// <summary>The most the writer gathers from its queue into one write.</summary>
    internal const int GatherBytes = 16 * 1024;

    /// <summary>The reader's buffer, rented only once bytes are there (zero-byte reads): a pipelined client's requests in one recv.</summary>
    internal const int ReadBufferBytes = 16 * 1024;

    /// <summary>How many times a worker's direct send left bytes to a writer (all connections; for tests).</summary>
    internal static long HandOvers;

    private readonly StreamTransport _transport;
    private readonly OutboundQueue _writes;
    private readonly CancellationTokenSource _closed = new();
    private Stream? _stream;
    private int _closing;
    private int _writing;
    private volatile bool _closeAfterWrites;
    private bool _webSocketOpen;
    private bool _delivered;
    private NetAddress[]? _aliases;
    private byte[]? _carry;
    private int _carryOffset;
    private int _carryLength;
    private bool _direct;

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
        _writes = new OutboundQueue(transport.Options.MaxQueuedWrites);
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

    /// <summary>The addresses besides <see cref="Peer"/> this connection answers to (RFC 5923 aliases); the first
    /// <see cref="AliasCount"/> are set. Written by <see cref="StreamTransport.AddAlias"/>, read when it closes.
    /// Made on the first alias: most connections never get one.</summary>
    public NetAddress[] Aliases => Volatile.Read(ref _aliases) ?? CreateAliases();

    public int AliasCount;

    /// <summary>Which worker batch last listed this connection for <see cref="FlushFromWorker"/> (see <see cref="WorkerFlush"/>).</summary>
    internal long FlushStamp;

    /// <summary>True until the stream is usable (connect / TLS handshake done).</summary>
    public volatile bool Establishing = true;

    public bool IsClosed => Volatile.Read(ref _closing) != 0;

    public CancellationToken ClosedToken => _closed.Token;

    private NetAddress[] CreateAliases()
    {
        Interlocked.CompareExchange(ref _aliases, new NetAddress[_transport.Options.MaxAliasesPerConnection], null);
        return _aliases!;
    }

    /// <summary>Queues a SIP message for the writer: as it is, or in a text frame on a WebSocket (RFC 7118 §5; OpenSIPS sends text).</summary>
    /// <remarks>With <paramref name="flush"/> (a worker's send) the writer is not started: the connection is listed
    /// there and the worker writes it once its batch is queued (<see cref="FlushFromWorker"/>).</remarks>
    public bool EnqueueMessage(ReadOnlySpan<byte> payload, WorkerFlush? flush = null)
    {
        if (!Protocol.IsWebSocket())
            return Enqueue(default, payload, flush);
        Span<byte> header = stackalloc byte[10];
        int n = WebSocketFrames.WriteHeader(WebSocketFrames.Text, payload.Length, header);
        return Enqueue(header[..n], payload, flush);
    }

    /// <summary>Queues a copy of <paramref name="payload"/> for the writer; false (and the connection closed) when its queue is full.</summary>
    public bool Enqueue(ReadOnlySpan<byte> payload) => Enqueue(default, payload, null);

    private bool Enqueue(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> payload) => Enqueue(prefix, payload, null);

    private bool Enqueue(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> payload, WorkerFlush? flush)
    {
        if (IsClosed)
            return false;
        int length = prefix.Length + payload.Length;
        byte[] buffer = StreamBuffers.Pool.Rent(Math.Max(length, 1));
        prefix.CopyTo(buffer);
        payload.CopyTo(buffer.AsSpan(prefix.Length));
        OutboundWrite written = _writes.TryWrite(new OutboundChunk(buffer, length));
        if (written == OutboundWrite.Queued)
        {
            if (flush is null || !flush.TryAdd(this))
                StartWriter();
            return true;
        }
        StreamBuffers.Pool.Return(buffer);
        if (written == OutboundWrite.Full && !IsClosed)
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
        _writes.Complete();
        StartWriter(); // a writer that emptied the queue just before the completion must still close
    }

    /// <summary>Starts reading and writing over <paramref name="stream"/> (the socket's, or a TLS stream over it).</summary>
    public void Run(Stream stream)
    {
        // A worker may write a plain socket itself (FlushFromWorker); a TLS stream has state only its writer may touch.
        _direct = OperatingSystem.IsLinux() && stream is NetworkStream;
        Volatile.Write(ref _stream, stream);
        Establishing = false;
        LastActivity = Environment.TickCount64;
        // Queued as a plain work item: Task.Run would keep an unwrap promise alive for as long as the read is pending.
        ThreadPool.UnsafeQueueUserWorkItem(static c => _ = c.ReadLoop(), this, preferLocal: false);
        StartWriter(); // what was queued while connecting
    }

    /// <summary>Queues the writer to the thread pool unless it runs already (or the stream is not there yet).</summary>
    private void StartWriter()
    {
        if (Volatile.Read(ref _stream) is null || Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
            return;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute() => _ = WriteLoop();

    /// <summary>
    /// On the worker, after its batch queued replies here: unless the writer runs, writes what is queued with one
    /// non-blocking send (MSG_DONTWAIT; a worker never waits for a connection) from the worker's own gather buffer,
    /// which saves a thread-pool hop per batch and per connection. What the socket does not take at once is handed to
    /// the writer on the thread pool, which writes it first; so does a TLS connection (its stream belongs to its writer).
    /// </summary>
    internal unsafe void FlushFromWorker(byte[] gather)
    {
        if (!_direct || IsClosed)
        {
            StartWriter();
            return;
        }
        if (Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
            return; // the writer runs: it takes what is queued

        OutboundQueue queue = _writes;
        int filled = 0;
        while (queue.TryRead(out OutboundChunk chunk))
        {
            if (filled + chunk.Length > gather.Length && filled > 0)
            {
                int sent = SendNow(gather, filled);
                if (sent < filled)
                {
                    HandOver(gather, sent, filled - sent, chunk);
                    return;
                }
                filled = 0;
            }
            if (chunk.Length > gather.Length)
            {
                HandOver(gather, 0, 0, chunk); // a message larger than the gather buffer: the writer sends it
                return;
            }
            chunk.Buffer.AsSpan(0, chunk.Length).CopyTo(gather.AsSpan(filled));
            filled += chunk.Length;
            StreamBuffers.Pool.Return(chunk.Buffer);
        }
        if (filled > 0)
        {
            int sent = SendNow(gather, filled);
            if (sent < filled)
            {
                HandOver(gather, sent, filled - sent, default);
                return;
            }
            LastActivity = Environment.TickCount64;
        }
        if (queue.IsDone || IsClosed)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false); // the writer ends the connection
            return;
        }
        Volatile.Write(ref _writing, 0);
        // A message queued after the last TryRead saw _writing still set: start its writer, unless it did.
        if (queue.HasItems && Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>One non-blocking send of <paramref name="length"/> bytes (again on EINTR, on until EAGAIN): how many went; a failed socket closes.</summary>
    private unsafe int SendNow(byte[] buffer, int length)
    {
        SafeHandle handle = Socket.SafeHandle;
        bool added = false;
        int done = 0;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = (int)handle.DangerousGetHandle();
            fixed (byte* p = buffer)
            {
                while (done < length)
                {
                    nint n = Interop.Libc.Send(fd, p + done, (nuint)(length - done), Interop.Libc.MsgDontWait | Interop.Libc.MsgNoSignal);
                    if (n > 0)
                    {
                        done += (int)n;
                        continue;
                    }
                    Interop.ErrnoAction action = n < 0 ? Interop.Errno.Classify(Marshal.GetLastPInvokeError()) : Interop.ErrnoAction.Fail;
                    if (action == Interop.ErrnoAction.Retry)
                        continue;
                    if (action == Interop.ErrnoAction.NothingNow)
                        break;
                    done = length; // the connection failed: nothing more goes out on it
                    Close();
                    break;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            done = length; // closed meanwhile
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
        return done;
    }

    /// <summary>Gives what the socket did not take (and <paramref name="next"/>, read but not sent) to the writer, which still holds the writing flag.</summary>
    private void HandOver(byte[] gather, int offset, int length, OutboundChunk next)
    {
        Interlocked.Increment(ref HandOvers);
        if (length > 0)
        {
            byte[] carry = StreamBuffers.Pool.Rent(length + (next.Buffer is null ? 0 : next.Length));
            gather.AsSpan(offset, length).CopyTo(carry);
            int carried = length;
            if (next.Buffer is not null && carried + next.Length <= carry.Length)
            {
                next.Buffer.AsSpan(0, next.Length).CopyTo(carry.AsSpan(carried));
                carried += next.Length;
                StreamBuffers.Pool.Return(next.Buffer);
                next = default;
            }
            _carry = carry;
            _carryOffset = 0;
            _carryLength = carried;
        }
        if (next.Buffer is not null)
        {
            if (_carry is null)
            {
                _carry = next.Buffer;
                _carryOffset = 0;
                _carryLength = next.Length;
            }
            else
            {
                StreamBuffers.Pool.Return(next.Buffer); // cannot happen: the carry was rented to hold it
            }
        }
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
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
        _writes.Complete();
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
        while (_writes.TryRead(out OutboundChunk chunk))
            StreamBuffers.Pool.Return(chunk.Buffer);
        _transport.Forget(this);
    }

    private async Task ReadLoop()
    {
        StreamOptions options = _transport.Options;
        PipeReader reader = PipeReader.Create(_stream!, new StreamPipeReaderOptions(bufferSize: ReadBufferBytes, minimumReadSize: 2048, leaveOpen: true, useZeroByteReads: true));
        byte[]? scratch = null;
        try
        {
            while (!IsClosed)
            {
                // No cancellation token: a pending read would hold a registration on it for as long as the connection
                // idles. Close shuts the socket down and disposes the stream, which ends the read anyway.
                ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                LastActivity = Environment.TickCount64;
                bool keepGoing = Cut(ref buffer, options, ref scratch);
                if (_delivered)
                {
                    _delivered = false;
                    _transport.Wake(Worker); // once per read, however many messages it held
                }
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
            if (_delivered)
                _transport.Wake(Worker);
            if (scratch is not null)
                StreamBuffers.Pool.Return(scratch);
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
                int n = (int)Math.Min(buffer.Length, options.MaxMessageBytes + 16L);
                scratch ??= StreamBuffers.Pool.Rent(options.MaxMessageBytes + 16);
                buffer.Slice(0, n).CopyTo(scratch);
                data = scratch.AsSpan(0, n);
            }

            if (Protocol.IsWebSocket())
            {
                int used = _webSocketOpen ? CutFrame(data, options) : Handshake(data, options);
                if (used < 0)
                    return false;
                if (used == 0)
                    return true;
                buffer = buffer.Slice(used);
                continue;
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
                    byte[] copy = StreamBuffers.Pool.Rent(length);
                    data[..length].CopyTo(copy);
                    Interlocked.Increment(ref _transport.CountersRef.MessagesIn);
                    if (options.AcceptAliases && ViaAlias.TryGetPort(copy.AsSpan(0, length), Protocol, out int aliasPort))
                        _transport.AddAlias(this, aliasPort);
                    _transport.Deliver(new InboundMessage(copy, length, Id, Peer, SocketIndex), Worker);
                    _delivered = true;
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

    /// <summary>The HTTP upgrade (RFC 6455 §4.2.2): bytes used, 0 for more, -1 when the connection ends (400 sent).</summary>
    private int Handshake(ReadOnlySpan<byte> data, StreamOptions options)
    {
        int window = Math.Min(data.Length, options.MaxHeaderBytes + 4);
        int end = data[..window].IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            if (data.Length < options.MaxHeaderBytes + 4)
                return 0;
            Interlocked.Increment(ref _transport.CountersRef.ClosedTooLarge);
            Close();
            return -1;
        }

        if (!WebSocketHandshake.TryAccept(data[..(end + 4)], options.WebSocketRequireOrigin, out byte[] response, out _))
        {
            Interlocked.Increment(ref _transport.CountersRef.WebSocketHandshakeFailures);
            EnqueueAndClose(response);
            return -1;
        }

        Enqueue(response);
        _webSocketOpen = true;
        return end + 4;
    }

    /// <summary>One WebSocket frame: a SIP message to the worker, a pong, or the close handshake. Bytes used, 0 for more, -1 when closing.</summary>
    private int CutFrame(ReadOnlySpan<byte> data, StreamOptions options)
    {
        switch (WebSocketFrames.Decode(data, options.MaxMessageBytes, out WebSocketFrame frame, out ushort code))
        {
            case WebSocketFrameStatus.NeedMore:
                return 0;
            case WebSocketFrameStatus.Fail:
                Interlocked.Increment(ref _transport.CountersRef.WebSocketProtocolErrors);
                SendCloseAndClose(code);
                return -1;
        }

        int used = frame.HeaderLength + frame.PayloadLength;
        switch (frame.Opcode)
        {
            case WebSocketFrames.Text or WebSocketFrames.Binary:
                byte[] copy = StreamBuffers.Pool.Rent(Math.Max(frame.PayloadLength, 1));
                WebSocketFrames.Unmask(data, frame, copy);
                Interlocked.Increment(ref _transport.CountersRef.MessagesIn);
                _transport.Deliver(new InboundMessage(copy, frame.PayloadLength, Id, Peer, SocketIndex), Worker);
                _delivered = true;
                return used;
            case WebSocketFrames.Ping:
            {
                Span<byte> payload = stackalloc byte[125];
                WebSocketFrames.Unmask(data, frame, payload);
                Span<byte> header = stackalloc byte[2];
                WebSocketFrames.WriteHeader(WebSocketFrames.Pong, frame.PayloadLength, header);
                Interlocked.Increment(ref _transport.CountersRef.Pings);
                Enqueue(header, payload[..frame.PayloadLength]);
                return used;
            }

            case WebSocketFrames.Close:
            {
                // Echo the close with the same code (1000 when none) and drop the connection (RFC 6455 §5.5.1).
                Span<byte> payload = stackalloc byte[125];
                WebSocketFrames.Unmask(data, frame, payload);
                ushort echo = frame.PayloadLength >= 2 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(payload) : WebSocketFrames.NormalClosure;
                SendCloseAndClose(echo);
                return -1;
            }

            default:
                return used; // a pong: nothing to do
        }
    }

    private void SendCloseAndClose(ushort code)
    {
        Span<byte> close = stackalloc byte[4];
        close[0] = 0x80 | WebSocketFrames.Close;
        close[1] = 2;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(close[2..], code);
        EnqueueAndClose(close);
    }

    /// <summary>
    /// Writes what is queued, then stops (<see cref="StartWriter"/> starts it again for the next message); closes
    /// the connection on a write error, or once the last reply of <see cref="EnqueueAndClose"/> is out.
    /// </summary>
    /// <remarks>
    /// The messages waiting are gathered into one buffer of up to <see cref="GatherBytes"/> and written at once: one
    /// send (over TLS, one record) for every reply a worker's batch queued on this connection, not one per message.
    /// The buffer is rented only while the writer runs and goes back when it stops.
    /// </remarks>
    private async Task WriteLoop()
    {
        OutboundQueue queue = _writes;
        byte[]? gather = null;
        try
        {
            while (true)
            {
                bool wrote = false;
                int filled = 0;
                byte[]? carry = _carry;
                if (carry is not null)
                {
                    // What a worker's direct send left (FlushFromWorker): it goes before anything queued after it.
                    _carry = null;
                    try
                    {
                        await _stream!.WriteAsync(carry.AsMemory(_carryOffset, _carryLength), _closed.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        StreamBuffers.Pool.Return(carry);
                    }
                    wrote = true;
                }
                while (queue.TryRead(out OutboundChunk chunk))
                {
                    try
                    {
                        if (filled + chunk.Length > GatherBytes)
                        {
                            if (filled > 0)
                            {
                                await _stream!.WriteAsync(gather.AsMemory(0, filled), _closed.Token).ConfigureAwait(false);
                                filled = 0;
                            }
                            if (chunk.Length > GatherBytes)
                            {
                                await _stream!.WriteAsync(chunk.Buffer.AsMemory(0, chunk.Length), _closed.Token).ConfigureAwait(false);
                                wrote = true;
                                continue;
                            }
                        }
                        gather ??= StreamBuffers.Pool.Rent(GatherBytes);
                        chunk.Buffer.AsSpan(0, chunk.Length).CopyTo(gather.AsSpan(filled));
                        filled += chunk.Length;
                    }
                    finally
                    {
                        StreamBuffers.Pool.Return(chunk.Buffer);
                    }
                }
                if (filled > 0)
                {
                    await _stream!.WriteAsync(gather.AsMemory(0, filled), _closed.Token).ConfigureAwait(false);
                    wrote = true;
                }
                if (wrote)
                {
                    LastActivity = Environment.TickCount64;
                    await _stream!.FlushAsync(_closed.Token).ConfigureAwait(false);
                }
                if (queue.IsDone)
                    break; // completed and drained: the connection ends
                if (gather is not null)
                {
                    StreamBuffers.Pool.Return(gather);
                    gather = null;
                }
                Volatile.Write(ref _writing, 0);
                // A message queued after the last TryRead saw _writing still set: take it, unless its writer did.
                if (!queue.HasItems || Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
                    return;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException
            or InvalidOperationException or NotSupportedException)
        {
        }
        finally
        {
            if (gather is not null)
                StreamBuffers.Pool.Return(gather);
        }
        Close(); // the queue ends only when the connection closes (or ends with a last reply)
    }
}
