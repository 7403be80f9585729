namespace Hyperproxy.Transport.Streams;

/// <summary>
/// One worker's I/O when stream transports are configured: its UDP <see cref="IBatchIo"/> (if it has UDP sockets)
/// plus its inbox of messages cut from connections. A receive returns datagrams and stream messages in the same
/// batch (stream messages carry their connection id); a send gives UDP slots to the UDP I/O and the slots of a
/// stream socket (index at or past the UDP socket count) to the connection's writer.
/// </summary>
/// <remarks>
/// An idle worker sleeps in one wait that ends on a datagram or on its <see cref="WorkerWake"/>, which the connection
/// readers signal once per read when it is armed: with recvmmsg I/O the wake's eventfd is polled next to the UDP
/// sockets; with no UDP socket the worker waits on the wake alone. Only the portable socket I/O (no eventfd to add
/// to its wait) still polls every <see cref="StreamPollMs"/> while idle. A busy worker never arms the wake: its
/// receive costs what a UDP-only worker's does, plus a look at its inbox.
/// </remarks>
public sealed class StreamBatchIo : IBatchIo
{
    /// <summary>Longest wait in the UDP poll of the portable socket I/O while connections may deliver.</summary>
    public const int StreamPollMs = 1;

    private readonly IBatchIo? _udp;
    private readonly MmsgBatchIo? _mmsg;
    private readonly StreamTransport _streams;
    private readonly WorkerInbox _inbox;
    private readonly WorkerWake _wake;
    private readonly int _udpSockets;
    private readonly int _streamSockets;
    private readonly WorkerFlush _flush;
    private bool _busy;

    public StreamBatchIo(IBatchIo? udp, StreamTransport streams, int worker, int streamSockets)
    {
        _udp = udp;
        _streams = streams;
        _inbox = streams.InboxOf(worker);
        _wake = _inbox.Wake;
        _udpSockets = udp?.SocketCount ?? 0;
        _streamSockets = streamSockets;
        if (udp is MmsgBatchIo mmsg && _wake.Fd >= 0)
        {
            mmsg.WaitAlso(_wake.Fd);
            _mmsg = mmsg;
        }
        _inbox.Wakeable = udp is null || _mmsg is not null;
        _flush = new WorkerFlush(worker, 256);
    }

    public int SocketCount => _udpSockets + _streamSockets;

    /// <summary>True when an idle wait ends as soon as a connection delivers (false: the portable I/O's short poll).</summary>
    public bool WakesOnDelivery => _inbox.Wakeable;

    public int Receive(DatagramBatch batch, int timeoutMs)
    {
        if (_udp is null)
        {
            batch.Clear();
            if (timeoutMs != 0 && _inbox.IsEmpty && !YieldedToReaders())
            {
                if (_wake.Arm() && _inbox.IsEmpty)
                    _wake.Wait(timeoutMs);
                _wake.Disarm();
            }
            _busy = _inbox.Drain(batch) > 0;
            return batch.Count;
        }

        if (_mmsg is not null)
        {
            // The same first look as a UDP-only worker; only a worker with nothing to do arms the wake and sleeps.
            if (_mmsg.Receive(batch, 0) == 0 && timeoutMs != 0 && _inbox.IsEmpty && !YieldedToReaders())
            {
                if (_wake.Arm() && _inbox.IsEmpty)
                    _mmsg.WaitAndReceive(batch, timeoutMs);
                _wake.Disarm();
            }
            _inbox.Drain(batch);
            _busy = batch.Count > 0;
            return batch.Count;
        }

        _udp.Receive(batch, _inbox.IsEmpty ? Math.Min(timeoutMs, StreamPollMs) : 0);
        _inbox.Drain(batch);
        return batch.Count;
    }

    /// <summary>
    /// A worker that has just handled a batch and finds nothing new gives its CPU up once before it arms its wake:
    /// when the connection readers and writers share that CPU (as they do with the whole server on one core) they run
    /// now, write its replies and deliver what came meanwhile, and it takes all that in one batch rather than being
    /// woken, at an eventfd write and a context switch, by the first read. Alone on its CPU the yield returns at
    /// once. A lone request costs nothing more: its reply has been sent before. True when messages came meanwhile.
    /// </summary>
    private bool YieldedToReaders()
    {
        if (!_busy)
            return false;
        _busy = false;
        Thread.Yield();
        return !_inbox.IsEmpty;
    }

    public int Send(DatagramBatch outgoing)
    {
        int sent = 0;
        bool streams = false;
        for (int i = 0; i < outgoing.Count; i++)
        {
            if (outgoing.Info(i).SocketIndex >= _udpSockets)
            {
                streams = true;
                break;
            }
        }

        if (_udp is not null)
            sent = _udp.Send(outgoing);
        if (!streams)
            return sent;
        for (int i = 0; i < outgoing.Count; i++)
        {
            ref readonly DatagramInfo info = ref outgoing.Info(i);
            if (info.SocketIndex >= _udpSockets && _streams.Send(info.SocketIndex, info.ConnectionId, info.Peer, outgoing.Payload(i), _flush))
                sent++;
        }
        _flush.Flush(); // each connection written once for the whole batch, by this worker when its writer is idle
        return sent;
    }

    /// <summary>The fd joins the UDP wait (a stream-only worker has no such wait: false, the caller commits synchronously).</summary>
    public bool TryWatch(int fd) => _udp is not null && _udp.TryWatch(fd);

    public void Dispose()
    {
        _udp?.Dispose();
        _wake.Dispose(); // after the worker has left its loop: readers that still signal find it closed
    }
}
