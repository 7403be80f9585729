using System.Globalization;
using System.Runtime.InteropServices;
using Hyperproxy.Location.Faster;
using Hyperproxy.Location.Wal;
using Hyperproxy.Testing;

namespace Hyperproxy.Location.Tests;

/// <summary>
/// A worker pinned to a CPU (<c>--cpus</c>) that pipelines its commits: the kernel's io-wq threads that run its ring's
/// <c>fdatasync</c>s are kept off that CPU (<c>IORING_REGISTER_IOWQ_AFF</c>), so they never queue behind the worker.
/// Seen from outside: the <c>iou-wrk-TID</c> threads of the pinned thread and their allowed CPUs in <c>/proc</c>.
/// </summary>
public partial class WalPipelineAffinityTests
{
    [Fact]
    public void APinnedThreadsSyncsRunOnTheProcessesOtherCpus()
    {
        using var dir = new TempDirectory();
        using FasterLocationStore store = TestSupport.Open(Durability.Sync, dir.Path);
        int[] cpus = AllowedCpus(Environment.ProcessId);
        int pinnedTo = cpus[0];
        string? failure = null;
        List<(string Comm, string Allowed)> workers = [];
        bool queueMade = false;
        string? reason = null;
        var thread = new Thread(() =>
        {
            try
            {
                Pin(pinnedTo);
                using ILocationSession session = store.NewSession();
                using ICommitQueue? queue = store.NewCommitQueue();
                queueMade = queue is not null;
                reason = FasterLocationStore.CommitQueueUnavailableReason;
                if (queue is null)
                    return;
                CommitTicket last = default;
                for (int batch = 0; batch < 8; batch++)
                {
                    for (int i = 0; i < 4; i++)
                    {
                        Assert.Equal(UpdateStatus.Written, TestSupport.Save(session, batch * 4 + i, "sip:ua@192.0.2.1", 5_000, 1_000, out last));
                        queue.Track(last);
                    }
                    Assert.True(queue.Start());
                }
                ((WalCommitQueue)queue).Drain();
                Assert.True(store.IsCommitted(last));
                // The io-wq threads that ran the syncs are named after the thread that submitted them.
                string tid = Path.GetFileName(new DirectoryInfo("/proc/thread-self").LinkTarget!);
                foreach (string task in Directory.GetDirectories("/proc/self/task"))
                {
                    string comm;
                    string status;
                    try
                    {
                        comm = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                        status = File.ReadAllText(Path.Combine(task, "status"));
                    }
                    catch (IOException)
                    {
                        continue; // the thread ended meanwhile
                    }
                    if (comm != "iou-wrk-" + tid)
                        continue;
                    string allowed = status.Split('\n').First(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))
                        .Split(':')[1].Trim();
                    workers.Add((comm, allowed));
                }
            }
            catch (Exception e)
            {
                failure = e.ToString();
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(60)));
        Assert.Null(failure);

        if (cpus.Length == 1)
        {
            // Nowhere else to run them: the worker commits synchronously, and says why.
            Assert.False(queueMade);
            Assert.Contains("no CPU left", reason, StringComparison.Ordinal);
            return;
        }

        Assert.True(queueMade, "no commit queue: " + reason);
        Assert.NotEmpty(workers);
        foreach ((string comm, string allowed) in workers)
        {
            int[] list = ParseList(allowed);
            Assert.DoesNotContain(pinnedTo, list);
            Assert.NotEmpty(list);
            Assert.All(list, cpu => Assert.Contains(cpu, cpus));
            _ = comm;
        }
    }

    private static int[] ParseList(string list)
    {
        var cpus = new List<int>();
        foreach (string part in list.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] range = part.Split('-');
            int from = int.Parse(range[0], CultureInfo.InvariantCulture);
            int to = range.Length > 1 ? int.Parse(range[1], CultureInfo.InvariantCulture) : from;
            for (int cpu = from; cpu <= to; cpu++)
                cpus.Add(cpu);
        }
        return [.. cpus];
    }

    private static int[] AllowedCpus(int pid)
    {
        byte[] mask = new byte[128];
        Assert.Equal(0, SchedGetAffinity(pid, (nuint)mask.Length, mask));
        var cpus = new List<int>();
        for (int cpu = 0; cpu < mask.Length * 8; cpu++)
        {
            if ((mask[cpu >> 3] & (1 << (cpu & 7))) != 0)
                cpus.Add(cpu);
        }
        return [.. cpus];
    }

    private static void Pin(int cpu)
    {
        byte[] mask = new byte[128];
        mask[cpu >> 3] = (byte)(1 << (cpu & 7));
        Assert.Equal(0, SchedSetAffinity(0, (nuint)mask.Length, mask));
    }

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int SchedGetAffinity(int pid, nuint size, [Out] byte[] mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nuint size, byte[] mask);
}
