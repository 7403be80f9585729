namespace Hyperproxy.Transport.Tests;

/// <summary>Echoes, allocating 1 KiB per batch: proves the worker's allocation reading moves.</summary>
internal sealed class AllocatingEchoHandler : IBatchHandler
{
    private readonly EchoHandler _echo = new();

    public byte[]? Last { get; private set; }

    public void Handle(DatagramBatch received, DatagramBatch outgoing)
    {
        Last = new byte[1024];
        _echo.Handle(received, outgoing);
    }
}
