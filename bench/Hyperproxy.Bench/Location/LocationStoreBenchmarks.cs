using System.Diagnostics;
using System.Text;
using BenchmarkDotNet.Attributes;
using Hyperproxy.Location;
using Hyperproxy.Location.Faster;

namespace Hyperproxy.Bench.Location;

/// <summary>
/// save (RMW of an AoR with 1 contact + 2 Path entries) and lookup (read) against a FASTER store holding
/// 1M AoRs, durability none, one session. Setup prints the process RSS with the 1M AoRs loaded.
/// Run: dotnet run -c Release -- --filter '*LocationStore*'
/// </summary>
[MemoryDiagnoser]
public class LocationStoreBenchmarks
{
    private const int Aors = 1_000_000;
    private const int Batch = 1024;
    private const long Now = 1_700_000_000;
    private FasterLocationStore _store = null!;
    private FasterLocationSession _session = null!;
    private byte[][] _keys = null!;
    private byte[] _buffer = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _store = new FasterLocationStore(new LocationStoreOptions { Durability = Durability.None, ExpectedAors = Aors });
        _session = _store.NewFasterSession();
        _keys = new byte[Aors][];
        var updater = new RegisterUpdater { Now = Now };
        for (int i = 0; i < Aors; i++)
        {
            _keys[i] = Encoding.ASCII.GetBytes("user" + i + "@example.com");
            _session.Update(_keys[i], ref updater, out _);
        }
        _buffer = GC.AllocateUninitializedArray<byte>(8192, pinned: true);
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        Console.WriteLine($"// location store: {Aors} AoRs loaded, RSS {self.WorkingSet64 >> 20} MiB, "
            + $"log {_store.LogBytes >> 20} MiB, keys array {(long)Aors * 56 >> 20} MiB of it");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Dispose();
        _store.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int SaveRegisterWithTwoPaths()
    {
        var updater = new RegisterUpdater { Now = Now };
        int written = 0;
        for (int i = 0; i < Batch; i++)
        {
            updater.CSeq = (uint)i;
            if (_session.Update(_keys[Next()], ref updater, out _) == UpdateStatus.Written)
                written++;
        }
        return written;
    }

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    public int LookupRead()
    {
        int total = 0;
        for (int i = 0; i < Batch; i++)
        {
            _session.Read(_keys[Next()], _buffer, out int length);
            total += length;
        }
        return total;
    }

    private int Next()
    {
        int n = _next + 7919;
        if (n >= Aors)
            n -= Aors;
        _next = n;
        return n;
    }
}
