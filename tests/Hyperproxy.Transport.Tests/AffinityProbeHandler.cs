namespace Hyperproxy.Transport.Tests;

/// <summary>Echoes, and records the CPUs its thread may run on at the first batch.</summary>
internal sealed class AffinityProbeHandler(int[][] seen) : IBatchHandler
{
    private readonly EchoHandler _echo = new();

    public void Handle(DatagramBatch received, DatagramBatch outgoing)
    {
        if (Volatile.Read(ref seen[0]) is null)
            Volatile.Write(ref seen[0], CpuAffinity.AvailableCpus());
        _echo.Handle(received, outgoing);
    }
}
