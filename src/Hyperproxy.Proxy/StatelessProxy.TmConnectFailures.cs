using Hyperproxy.Proxy.Transactions;
using Hyperproxy.Transport.Streams;

namespace Hyperproxy.Proxy;

/// <summary>
/// A transport error on a branch (RFC 3261 §16.9, §8.1.3.1): an outgoing TCP/TLS connection that could not be opened
/// (connect refused or timed out, TLS handshake failed) is, to every branch waiting on it, as if the next hop had answered
/// 503 — at once, not at Timer B/F. The branch fails over to its name's next address when it has one (RFC 3263 §4.3),
/// else it is final with 503 and, once every branch is, failure_route runs with <c>$T_reply_code</c> 503 (so
/// <c>t_check_status("503")</c> and a serial fork to another destination work as for a real 503), and the caller gets the
/// best reply — a 500 when that is this 503 (§16.7 step 6). The stream transport tells every worker of each such
/// connection (<see cref="StreamTransport.TryTakeConnectFailure"/>); the worker takes them on its timer turn
/// (<see cref="TmMillisecondsUntilDue"/> is 0 while one waits), so the failure is handled on the transaction's own thread.
/// </summary>
public sealed partial class StatelessProxy
{
    private bool HasConnectFailures => Streams is not null && Streams.HasConnectFailures(_index);

    private void DrainConnectFailures()
    {
        if (Streams is not { } streams || _transactions is not { } table)
        {
            return;
        }

        ref ProxyCounters c = ref _counters[_index];
        while (streams.TryTakeConnectFailure(_index, out ConnectFailure failure))
        {
            for (int i = 0; i < table.Created; i++)
            {
                Transaction t = table[i];
                if (!t.InUse || t.AllBranchesFinal)
                {
                    continue;
                }

                // FailBranch may add a branch (DNS failover): only the branches there now.
                int count = t.BranchCount;
                for (int b = 0; b < count && t.InUse; b++)
                {
                    ClientBranch branch = t.Branches[b];
                    if (branch.Final || branch.GotProvisional || branch.Socket != failure.SocketIndex || branch.Destination != failure.Peer
                        || (branch.Connection != 0 && branch.Connection != failure.ConnectionId))
                    {
                        continue;
                    }

                    BeginTm();
                    _tmCurrent = t;
                    _context.TraceId = t.TraceId;
                    c.TmTransportFailures++;
                    table.Timers.Cancel(t.BranchFinalTimer(b));
                    FailBranch(t, b, 503, ref c);
                }
            }
        }
    }
}
