namespace Hyperproxy.Transport.Tests;

/// <summary>Echoes, except that a batch holding "boom" throws.</summary>
internal sealed class FaultyEchoHandler : IBatchHandler
{
    private readonly EchoHandler _echo = new();

    public void Handle(DatagramBatch received, DatagramBatch outgoing)
    {
        for (int i = 0; i < received.Count; i++)
        {
            if (received.Payload(i).SequenceEqual("boom"u8))
                throw new InvalidOperationException("handler bug");
        }
        _echo.Handle(received, outgoing);
    }
}
