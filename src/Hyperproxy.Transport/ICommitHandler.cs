namespace Hyperproxy.Transport;

/// <summary>
/// Optional for an <see cref="IBatchHandler"/> whose replies wait for a commit (a REGISTER's 200 OK held
/// until its binding is on disk). After a batch leaves such work, the worker gathers what is already
/// arriving into the same commit — it keeps receiving without waiting and hands each batch to the handler
/// until as many datagrams are in hand as the previous commit covered and none is waiting, or none came for
/// <see cref="Worker.GatherQuietMicroseconds"/> (bounded in batches and time; <see cref="CommitGathering"/>) —
/// then calls <see cref="Commit"/> once: one disk sync for all of it, on the worker's own thread. Called on
/// the worker's thread; must not allocate.
/// </summary>
public interface ICommitHandler
{
    /// <summary>True when work handled since the last <see cref="Commit"/> waits for one.</summary>
    bool HasUncommitted { get; }

    /// <summary>
    /// Commits everything handled so far and moves the replies it releases into <paramref name="outgoing"/>
    /// while it has room. True when more are ready than fitted: the caller sends the batch, clears it and
    /// calls again.
    /// </summary>
    bool Commit(DatagramBatch outgoing);

    /// <summary>
    /// Asks for pipelined commits: from now on <see cref="Commit"/> only starts the commit (its sync runs while
    /// the worker goes on with the next requests) and the replies leave through <see cref="CompleteCommits"/>.
    /// The handler gives <paramref name="io"/> (<see cref="IBatchIo.TryWatch"/>) a descriptor that becomes
    /// readable when a commit finishes, so the worker's wait ends then; false (stays synchronous) when it has
    /// none or <paramref name="io"/> cannot watch it. Called once, on the worker's thread (pinned already, when it
    /// is) before its loop starts.
    /// </summary>
    bool EnablePipelinedCommits(IBatchIo io) => false;

    /// <summary>True while commits started by <see cref="Commit"/> have not finished (pipelined commits).</summary>
    bool CommitsInFlight => false;

    /// <summary>
    /// Handles the commits that finished and moves the replies they release, in order, into
    /// <paramref name="outgoing"/>; true when more are ready than fitted (send, clear, call again).
    /// </summary>
    bool CompleteCommits(DatagramBatch outgoing) => false;
}
