namespace Hyperproxy.Transport.Tests;

/// <summary>Sends every datagram back to where it came from, through the socket it came in on.</summary>
internal sealed class EchoHandler : IBatchHandler
{
    public void Handle(DatagramBatch received, DatagramBatch outgoing)
    {
        for (int i = 0; i < received.Count; i++)
        {
            ref readonly DatagramInfo info = ref received.Info(i);
            outgoing.TryAdd(received.Payload(i), info.Peer, info.SocketIndex);
        }
    }
}
