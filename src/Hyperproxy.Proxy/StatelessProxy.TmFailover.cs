using Hyperproxy.Proxy.Transactions;
using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Proxy;

/// <summary>
/// DNS failover in t_relay (RFC 3263 §4.3, OpenSIPS tm): a branch whose next hop was a name that resolved to several
/// targets (SRV targets in order, each with its addresses) is sent again, as a new branch of the transaction, to the
/// name's next target when it fails — a 503 from
/// the address, or no reply at all before Timer B/F (tm's 408). The new branch is the failed one's request as sent with
/// its own branch id (nothing in the script runs again), from the same socket, so only addresses of the same family are
/// tried; the failed branch no longer competes for the best reply. <c>t_relay("no-dns-failover")</c> turns it off.
/// The resolver keeps every address of a name (<see cref="NextHopResolver.MaxAddresses"/> per family).
/// </summary>
public sealed partial class StatelessProxy
{
    private readonly byte[] _resolvedName = new byte[256];
    private int _resolvedNameLength;
    private int _resolvedPort;
    private Dns.NextHopMode _resolvedMode;

    /// <summary>OpenSIPS core <c>disable_dns_failover</c>: no branch fails over to a name's next target.</summary>
    private bool DisableDnsFailover => _script.Program.Settings.DisableDnsFailover;

    /// <summary>The name this branch was resolved from, for a failover to its next address.</summary>
    private void KeepFailoverName(ClientBranch branch)
    {
        branch.FailoverHostLength = _buffers.Store(ref branch.FailoverHost, _resolvedName.AsSpan(0, _resolvedNameLength));
        branch.FailoverPort = _resolvedPort;
        branch.FailoverMode = _resolvedMode;
        branch.FailoverNext = 1;
    }

    /// <summary>Branch <paramref name="b"/> failed: its request goes to the name's next address as a new branch. True when it is out.</summary>
    private bool TryDnsFailover(Transaction t, int b, ref ProxyCounters c)
    {
        ClientBranch failed = t.Branches[b];
        if (t.NoDnsFailover || DisableDnsFailover || t.Cancelled || t.NoNewBranches || t.FinalSent || t.BranchCount >= Transaction.MaxBranches
            || failed.Request is null)
        {
            return false;
        }

        ReadOnlySpan<byte> host = failed.FailoverHost.AsSpan(0, failed.FailoverHostLength);
        if (_resolver.Lookup(host, failed.FailoverPort, failed.FailoverMode, failed.Destination.Family, failed.FailoverNext, out Hyperproxy.Sip.NetAddress next,
                out _) != NextHopResolver.Result.Found || next.Family != failed.Destination.Family || next.IsNotUnicast)
        {
            return false;
        }

        int nb = t.BranchCount;
        ClientBranch branch = _transactions!.EnsureBranch(t, nb);
        branch.Reset();
        branch.RequestLength = _buffers.Store(ref branch.Request, failed.Request.AsSpan(0, failed.RequestLength));
        if (!RewriteBranchId(branch.Request.AsSpan(0, branch.RequestLength), t, nb))
        {
            return false;
        }

        if (failed.BaseLength > 0)
        {
            branch.BaseLength = _buffers.Store(ref branch.Base, failed.Base.AsSpan(0, failed.BaseLength));
            RewriteBranchId(branch.Base.AsSpan(0, branch.BaseLength), t, nb);
        }

        branch.Destination = next;
        branch.Socket = failed.Socket;
        branch.PreloadedRoute = failed.PreloadedRoute;
        branch.FailoverHostLength = _buffers.Store(ref branch.FailoverHost, host);
        branch.FailoverPort = failed.FailoverPort;
        branch.FailoverMode = failed.FailoverMode;
        branch.FailoverNext = failed.FailoverNext + 1;
        if (!_outgoing.TryAdd(branch.Request.AsSpan(0, branch.RequestLength), next, branch.Socket))
        {
            c.OutputFull++;
            return false;
        }

        failed.Superseded = true;
        t.BranchCount = nb + 1;
        c.TmDnsFailovers++;
        long now = _clock.NowMs;
        ScheduleBranchRetransmit(t, nb, _tm!.T1Ms, now);
        _transactions.Timers.Schedule(t.BranchFinalTimer(nb), now + t.FrTimeoutMs);
        TraceTm(t, branch.Request.AsSpan(0, branch.RequestLength), next, branch.Socket);
        return true;
    }

    /// <summary>Our Via's branch (the first tm branch id in the request) becomes branch <paramref name="b"/>'s.</summary>
    private bool RewriteBranchId(Span<byte> request, Transaction t, int b)
    {
        int at = request.IndexOf("z9hG4bKtm"u8);
        if (at < 0 || request.Length - at < TmBranchId.Length)
        {
            return false;
        }

        TmBranchId.Write(request.Slice(at, TmBranchId.Length), _index, t.Index, t.Generation, b);
        return true;
    }
}
