namespace Hyperproxy.Transport.Streams;

/// <summary>
/// One worker's I/O when stream transports are configured: its UDP <see cref="IBatchIo"/> (if it has UDP sockets)
/// plus its inbox of messages cut from connections. A receive returns datagrams and stream messages in the same
/// batch (stream messages carry their connection id); a send gives UDP slots to the UDP I/O and the slots of a
/// stream socket (index at or past the UDP socket count) to the connection's writer.
/// </summary>
public sealed class StreamBatchIo : IBatchIo
{
    /// <summary>Longest wait in the UDP poll while connections may deliver (how late a stream message can be noticed).</summary>
    public const int StreamPollMs = 1;

    private readonly IBatchIo? _udp;
    private readonly StreamTransport _streams;
    private readonly int _worker;
    private readonly int _udpSockets;
    private readonly int _streamSockets;

    public StreamBatchIo(IBatchIo? udp, StreamTransport streams, int worker, int streamSockets)
    {
        _udp = udp;
        _streams = streams;
        _worker = worker;
        _udpSockets = udp?.SocketCount ?? 0;
        _streamSockets = streamSockets;
    }

    public int SocketCount => _udpSockets + _streamSockets;

    public int Receive(DatagramBatch batch, int timeoutMs)
    {
        if (_udp is null)
        {
            batch.Clear();
            if (!_streams.HasInbound(_worker) && timeoutMs != 0)
                _streams.WaitInbound(_worker, timeoutMs);
            return _streams.Drain(_worker, batch);
        }

        bool waiting = _streams.HasInbound(_worker);
        _udp.Receive(batch, waiting ? 0 : Math.Min(timeoutMs, StreamPollMs));
        _streams.Drain(_worker, batch);
        return batch.Count;
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
            if (info.SocketIndex >= _udpSockets && _streams.Send(info.SocketIndex, info.ConnectionId, info.Peer, outgoing.Payload(i)))
                sent++;
        }
        return sent;
    }

    public bool TryWatch(int fd) => _udp is not null && _udp.TryWatch(fd);

    public void Dispose() => _udp?.Dispose();
}
