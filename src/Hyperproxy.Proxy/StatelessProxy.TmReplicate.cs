using Hyperproxy.Proxy.Transactions;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;
using Hyperproxy.Transport;

namespace Hyperproxy.Proxy;

/// <summary>
/// <c>t_replicate(uri)</c> (OpenSIPS tm): a copy of the request in hand goes to <c>uri</c> (the next hop, as a
/// <c>$du</c>: host, port, <c>;transport=</c>; the Request-URI stays) in a client transaction of its own — a transaction
/// slot with tm's branch id, like a locally originated request (<see cref="StartUac"/>): Timer E/A retransmissions over
/// UDP, Timer F/B (fr_timeout) ends it, its final reply ends it (an INVITE's is ACKed), and no reply ever goes to the
/// caller. The copy carries the script's edits so far and our Via; once it is out the edits and routing state are put
/// back (as after a branch_route), so the request's own t_relay()/forward() is not changed by it. Counted in
/// UAC_transactions, inuse_transactions and, at its final, the <c>Nxx_transactions</c> of that final.
/// </summary>
public sealed partial class StatelessProxy
{
    public int TReplicate(ScriptContext context, ReadOnlySpan<byte> destination)
    {
        if (_transactions is null || _tm is null || !_message.IsRequest || _message.Method is SipMethod.Ack or SipMethod.Cancel
            || !SipUri.TryParse(destination, out _))
        {
            return -1;
        }

        ref ProxyCounters c = ref _counters[_index];
        ulong key = (0x5245504C00000000UL | (ulong)(uint)_uacSerial++) ^ ((ulong)TmBranchId.Salt << 20) ^ ((ulong)_index << 56);
        Transaction? t = _transactions.TryAdd(key);
        if (t is null)
        {
            c.TmTableFull++;
            return -1;
        }

        if (_inFailureRoute && !_failureViaRemoved)
        {
            // The failure_route's request is the branch as it was sent: our Via of that branch comes off first.
            int ours = _message.FindHeader(HeaderId.Via);
            if (ours >= 0)
            {
                _edits.RemoveHeader(ours);
            }

            _failureViaRemoved = true;
        }

        long mark = _edits.Mark;
        long savedEditsMark = _tmEditsMark;
        context.KeepBranchState();
        context.SetDestination(destination);
        context.ForcedSocket = -1;
        TmBranchId.Write(_tmBranchId, _index, t.Index, t.Generation, 0);
        int sent = _outgoing.Count;
        RouteError error = TryForward(context, default, _tmBranchId, ref c);
        bool out_ = error == RouteError.None && _outgoing.Count > sent;
        if (out_)
        {
            int slot = _outgoing.Count - 1;
            ClientBranch branch = _transactions.EnsureBranch(t, 0);
            branch.Reset();
            branch.RequestLength = _buffers.Store(ref branch.Request, _outgoing.Payload(slot));
            branch.Destination = _outgoing.Info(slot).Peer;
            branch.Socket = _outgoing.Info(slot).SocketIndex;
            branch.Connection = _outgoing.Info(slot).ConnectionId;
        }

        _edits.Rewind(mark);
        _tmEditsMark = savedEditsMark;
        context.RestoreBranchState();
        if (!out_)
        {
            _transactions.Remove(t);
            return -1;
        }

        c.TmUacTransactions++;
        c.TmInUse = _transactions.Count;
        t.Method = _message.Method;
        t.Socket = context.Socket;
        t.FrTimeoutMs = _tm.FrTimeoutMs;
        t.FrInvTimeoutMs = _tm.FrInvTimeoutMs;
        t.BranchCount = 1;
        MarkUac(t, null);
        long now = _clock.NowMs;
        ScheduleBranchRetransmit(t, 0, _tm.T1Ms, now); // Timer E/A
        _transactions.Timers.Schedule(t.BranchFinalTimer(0), now + t.FrTimeoutMs); // Timer F/B
        return 1;
    }
}
