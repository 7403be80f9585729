using Hyperproxy.Proxy.Transactions;

namespace Hyperproxy.Proxy;

/// <summary>
/// What a transaction keeps while it waits out wt_timer. A final went upstream, so from now on the transaction only
/// answers retransmissions of its request with its last reply, absorbs ACKs and late replies, and finishes the branches
/// still open; the bytes that served the rest go back to the worker's <see cref="BufferPool"/> at once. At a few
/// thousand calls per second a worker holds rate × 2 × wt_timer transactions in wait (250k at 25k calls/s): kept whole,
/// every one held its request, each branch's request and its replies (~3 KiB), and a reused slot's buffers were all
/// 5 s cold. Given back, the pool hands the same few buffers round while they are still in cache, a waiting transaction
/// holds its last reply only, and the table's growth allocates a third as much.
/// </summary>
public sealed partial class StatelessProxy
{
    /// <summary>
    /// Gives back what <paramref name="t"/>, now waiting, no longer reads: the request as received (local replies after a
    /// final are built from the request in hand: <see cref="LocalReply"/>), the AVPs and flows (failure_route and flow
    /// failover run before the final), every final branch's kept final reply (best-response choice, before the final),
    /// and its request where nothing will be built from it again: a branch still open (a CANCELled branch waiting for its
    /// 487) and an INVITE branch with a negative final (its retransmitted final is ACKed again, RFC 3261 §17.1.1.2) keep
    /// it, as does a CANCEL not yet answered (Timer E resends it). Transactions this worker originated (t_uac_dlg) keep
    /// everything: their 2xx retransmissions are ACKed from the branch's request.
    /// </summary>
    private void ShedForWait(Transaction t)
    {
        if (_uacGenerations.Length != 0 && IsUac(t))
        {
            return;
        }

        BufferPool pool = _buffers;
        ShedBuffer(pool, ref t.Request, ref t.RequestLength);
        ShedBuffer(pool, ref t.Avps, ref t.AvpsLength);
        ShedBuffer(pool, ref t.Flows, ref t.FlowsLength);
        for (int i = 0; i < t.BranchCount; i++)
        {
            ClientBranch branch = t.Branches[i];
            if (!branch.Final)
            {
                continue;
            }

            ShedBuffer(pool, ref branch.FinalReply, ref branch.FinalReplyLength);
            if (!t.IsInvite || branch.LastCode < 300)
            {
                ShedBuffer(pool, ref branch.Request, ref branch.RequestLength);
            }

            if (!branch.CancelSent || branch.CancelAnswered)
            {
                ShedBuffer(pool, ref branch.Cancel, ref branch.CancelLength);
            }
        }
    }

    private static void ShedBuffer(BufferPool pool, ref byte[]? buffer, ref int length)
    {
        pool.Return(buffer);
        buffer = null;
        length = 0;
    }
}
