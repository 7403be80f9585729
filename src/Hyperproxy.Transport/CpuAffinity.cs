using System.Globalization;
using System.Runtime.InteropServices;
using Hyperproxy.Transport.Interop;

namespace Hyperproxy.Transport;

/// <summary>Thread-to-CPU pinning: sched_setaffinity on Linux, nothing elsewhere.</summary>
public static unsafe class CpuAffinity
{
    /// <summary>True where pinning does something (Linux).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>
    /// The CPUs this process may run on: sched_getaffinity on Linux (falling back to
    /// /sys/devices/system/cpu/online), 0..ProcessorCount-1 elsewhere.
    /// </summary>
    public static int[] AvailableCpus()
    {
        if (OperatingSystem.IsLinux())
        {
            byte* mask = stackalloc byte[Libc.CpuSetBytes];
            new Span<byte>(mask, Libc.CpuSetBytes).Clear();
            if (Libc.SchedGetAffinity(0, Libc.CpuSetBytes, mask) == 0)
            {
                var cpus = new List<int>();
                for (int cpu = 0; cpu < Libc.CpuSetBytes * 8; cpu++)
                {
                    if ((mask[cpu >> 3] & (1 << (cpu & 7))) != 0)
                        cpus.Add(cpu);
                }
                if (cpus.Count > 0)
                    return [.. cpus];
            }
            try
            {
                string online = File.ReadAllText("/sys/devices/system/cpu/online").Trim();
                if (CpuList.TryParse(online, out int[]? fromSys, out _))
                    return fromSys;
            }
            catch (IOException)
            {
            }
        }
        int[] all = new int[Environment.ProcessorCount];
        for (int i = 0; i < all.Length; i++)
            all[i] = i;
        return all;
    }

    /// <summary>
    /// Pins the calling OS thread to <paramref name="cpu"/>. No-op where unsupported.
    /// Throws <see cref="TransportException"/> when the kernel refuses.
    /// </summary>
    public static void PinCurrentThread(int cpu)
    {
        if (!OperatingSystem.IsLinux())
            return;
        if ((uint)cpu > CpuList.MaxCpu)
            throw new TransportException($"CPU {cpu} is out of range (0-{CpuList.MaxCpu})");
        byte* mask = stackalloc byte[Libc.CpuSetBytes];
        new Span<byte>(mask, Libc.CpuSetBytes).Clear();
        mask[cpu >> 3] = (byte)(1 << (cpu & 7));
        if (Libc.SchedSetAffinity(0, Libc.CpuSetBytes, mask) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            string reason = errno == Errno.EINVAL
                ? "is not present (available: " + CpuList.Format(AvailableCpus()) + ")"
                : "cannot be used: " + Errno.Describe(errno);
            throw new TransportException("CPU " + cpu.ToString(CultureInfo.InvariantCulture) + " " + reason);
        }
    }

}
