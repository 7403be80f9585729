namespace Hyperproxy.Script.Runtime;

/// <summary>
/// What a suspended request waits for (<see cref="ScriptContext.Suspend"/>): a module's outstanding
/// network reads. The host parks the request and runs it again, from the start of the route, once
/// <see cref="HasAnswers"/> says something came back, or after <see cref="Timeout"/> with the reads failed.
/// </summary>
public interface IParkingSource
{
    /// <summary>True when a read has an answer (or has failed) since the last <see cref="SnapshotAnswers"/>.</summary>
    bool HasAnswers { get; }

    /// <summary>How long a request may stay parked.</summary>
    TimeSpan Timeout { get; }

    /// <summary>Fails the reads started before <paramref name="stopwatchTimestamp"/> that have no answer yet.</summary>
    void FailStartedBefore(long stopwatchTimestamp);

    /// <summary>Marks the answers in now as those the pass over the parked requests about to start hands out.</summary>
    void SnapshotAnswers();

    /// <summary>Drops the answers of the last snapshot, once every parked request has run again since it.</summary>
    void ForgetAnswers();

    /// <summary>A descriptor that becomes readable when an answer is in, for the worker's poll set; -1 when none.</summary>
    int WakeFd => -1;

    /// <summary>True while reads wait for their answer (the worker keeps calling <see cref="Flush"/> until none does).</summary>
    bool HasOutstanding => false;

    /// <summary>End of the worker's turn: sends what the turn queued and takes in what has arrived.</summary>
    void Flush()
    {
    }
}
