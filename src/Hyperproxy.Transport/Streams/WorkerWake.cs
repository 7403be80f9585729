using Hyperproxy.Transport.Interop;
using Microsoft.Win32.SafeHandles;

namespace Hyperproxy.Transport.Streams;

/// <summary>
/// How connection readers wake a worker that sleeps in its receive wait. On Linux an eventfd the worker polls
/// together with its UDP sockets (<see cref="MmsgBatchIo.WaitAlso"/>), or alone when it has none; elsewhere an event.
/// </summary>
/// <remarks>
/// The worker <see cref="Arm"/>s it just before it would block, looks at its inbox once more, waits, and
/// <see cref="Disarm"/>s it. A reader, after queueing a read's messages, <see cref="Signal"/>s: only an armed wake
/// is written to, and the reader that takes the arm (an exchange to 0) is the only one that writes. A busy worker is
/// never armed, so it costs a reader a fence and a read of the flag and no syscall; a sleeping worker gets one
/// eventfd write however many readers deliver to it. Arm and the readers' fence form a Dekker pair: either the
/// reader sees the arm, or the worker sees the message in its inbox and does not sleep.
/// </remarks>
public sealed unsafe class WorkerWake : IDisposable
{
    private readonly SafeFileHandle? _eventFd;
    private readonly ManualResetEventSlim? _event;
    private int _armed;
    private long _signals;
    private volatile bool _stopping;

    public WorkerWake()
    {
        if (OperatingSystem.IsLinux())
        {
            int fd = Libc.EventFd(0, Libc.EfdNonBlock | Libc.EfdCloexec);
            if (fd >= 0)
            {
                _eventFd = new SafeFileHandle(fd, ownsHandle: true);
                Fd = fd;
                return;
            }
        }
        _event = new ManualResetEventSlim(false);
    }

    /// <summary>The eventfd to poll next to the worker's sockets (its count is read when it polls readable), or -1.</summary>
    public int Fd { get; } = -1;

    /// <summary>How many times a reader woke the worker.</summary>
    public long Signals => Interlocked.Read(ref _signals);

    /// <summary>
    /// The worker is about to wait: a signal from now on wakes it. False when the worker is stopping (it must not
    /// wait). The caller then looks at its inbox once more, and disarms after its wait either way.
    /// </summary>
    public bool Arm()
    {
        _event?.Reset();
        Interlocked.Exchange(ref _armed, 1);
        return !_stopping;
    }

    /// <summary>The worker is asked to stop: wakes it, and no later <see cref="Arm"/> lets it wait.</summary>
    public void Stop()
    {
        _stopping = true;
        Signal();
    }

    /// <summary>The worker's wait is over (woken or not).</summary>
    public void Disarm() => Volatile.Write(ref _armed, 0);

    /// <summary>Wakes the worker if it is waiting (any thread; call after queueing the messages).</summary>
    public void Signal()
    {
        Interlocked.MemoryBarrier(); // the queued messages are visible before the flag is read
        if (Volatile.Read(ref _armed) == 0 || Interlocked.Exchange(ref _armed, 0) == 0)
            return;
        Interlocked.Increment(ref _signals);
        if (_eventFd is null)
        {
            _event!.Set();
            return;
        }

        bool added = false;
        try
        {
            _eventFd.DangerousAddRef(ref added);
            ulong one = 1;
            Libc.Write(Fd, &one, sizeof(ulong)); // EAGAIN only when the count is already huge: the worker wakes anyway
        }
        catch (ObjectDisposedException)
        {
            // The worker has stopped and closed it.
        }
        finally
        {
            if (added)
                _eventFd.DangerousRelease();
        }
    }

    /// <summary>For a worker with nothing else to poll: waits up to <paramref name="timeoutMs"/> for a signal.</summary>
    public void Wait(int timeoutMs)
    {
        if (_eventFd is null)
        {
            _event!.Wait(timeoutMs);
            return;
        }

        PollFd poll = new() { Fd = Fd, Events = Libc.PollIn };
        if (Libc.Poll(&poll, 1, timeoutMs) > 0)
            Consume(Fd);
    }

    /// <summary>Resets the count of an eventfd that polled readable.</summary>
    internal static void Consume(int eventFd)
    {
        ulong count;
        Libc.Read(eventFd, &count, sizeof(ulong));
    }

    public void Dispose()
    {
        _eventFd?.Dispose();
        _event?.Dispose();
    }
}
