using Hyperproxy.Location;
using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Modules.Registrar;

/// <summary>The worker's location fetches as what a parked request waits for (<see cref="IParkingSource"/>).</summary>
internal sealed partial class RegistrarState
{
    private FetchParking? _parking;

    public IParkingSource Parking(IFetchingSession session) => _parking ??= new FetchParking(session);

    private sealed class FetchParking(IFetchingSession session) : IParkingSource
    {
        public bool HasAnswers => session.HasAnswers;

        public TimeSpan Timeout => session.FetchTimeout;

        public void FailStartedBefore(long stopwatchTimestamp) => session.FailFetchesStartedBefore(stopwatchTimestamp);

        public void SnapshotAnswers() => session.SnapshotAnswers();

        public void ForgetAnswers() => session.ForgetAnswers();

        public int WakeFd => session.WakeFd;

        public bool HasOutstanding => session.HasOutstanding;

        public void Flush() => session.Flush();
    }
}
