using System.Collections.Concurrent;

namespace Hyperproxy.Management.Mi;

/// <summary>
/// The management thread (<c>hp-mi</c>): MI commands run here one at a time, whatever HTTP connection brought
/// them, so state that belongs to one thread (the location store session of usrloc's commands) stays on it.
/// The queue is bounded; a full queue is an error answer, never a wait on a worker.
/// </summary>
public sealed class MiThread : IDisposable
{
    private readonly BlockingCollection<WorkItem> _queue = new(boundedCapacity: 64);
    private readonly Thread _thread;
    private readonly List<Action> _onStop = [];

    public MiThread()
    {
        _thread = new Thread(Run) { Name = "hp-mi", IsBackground = true };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the management thread and returns its result; false when the queue is full or the bound passes.</summary>
    public bool TryRun<T>(Func<T> work, TimeSpan bound, out T? result, out Exception? error)
    {
        var item = new WorkItem(() => work());
        result = default;
        error = null;
        if (!_queue.TryAdd(item))
            return false;
        if (!item.Done.Wait(bound))
            return false;
        error = item.Error;
        if (error is null)
            result = (T?)item.Result;
        return true;
    }

    /// <summary>Runs on the management thread when it stops (closing what it owns, such as its store session).</summary>
    public void OnStop(Action action) => _onStop.Add(action);

    private void Run()
    {
        foreach (WorkItem item in _queue.GetConsumingEnumerable())
        {
            try
            {
                item.Result = item.Work();
            }
            catch (Exception e)
            {
                item.Error = e;
            }

            item.Done.Set();
        }

        foreach (Action a in _onStop)
            a();
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    private sealed class WorkItem(Func<object?> work)
    {
        public Func<object?> Work { get; } = work;

        public object? Result { get; set; }

        public Exception? Error { get; set; }

        public ManualResetEventSlim Done { get; } = new();
    }
}
