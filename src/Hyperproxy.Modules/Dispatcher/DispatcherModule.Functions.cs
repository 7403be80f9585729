using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Dispatcher;

/// <summary>
/// The script functions. Return codes as OpenSIPS: 1 done, -1 nothing to do (unknown or empty set, no active
/// destination, list exhausted, bad argument). The failover list lives in AVPs (<c>dst_avp</c>: the current
/// destination on top, the next ones below; <c>grp_avp</c> the set; <c>cnt_avp</c> the count), which tm keeps with
/// the transaction, so ds_next_dst in a failure_route continues the list.
/// </summary>
public sealed partial class DispatcherModule
{
    private const int MaxFailover = 64;

    private int SelectDst(ScriptContext c, CallArguments a) => Select(c, a, domain: false);

    private int SelectDomain(ScriptContext c, CallArguments a) => Select(c, a, domain: true);

    private int Select(ScriptContext c, CallArguments a, bool domain)
    {
        if (!a.TryInt(c, 0, out int setId) || !a.TryInt(c, 1, out int alg))
        {
            a.Error(c, "set and algorithm must be numbers");
            return -1;
        }

        if (a.Fixed(1) is null && AlgorithmRefusal(alg) is not null)
        {
            a.Error(c, "algorithm not supported");
            return -1;
        }

        DispatcherFlags flags = DispatcherFlags.None;
        int limit = 0;
        if (a.Count > 2 && a.Fixed(2) is SelectOptions o)
        {
            flags = o.Flags;
            limit = o.Limit;
        }

        if (a.Count > 4 && a.TryInt(c, 4, out int max) && max > 0)
        {
            limit = max;
        }

        DispatcherSnapshot snap = Snapshot;
        int si = snap.Data.IndexOf(setId);
        if (si < 0)
        {
            _noDestination.Increment(c.Worker);
            return -1;
        }

        DispatcherSet set = snap.Data.Sets[si];
        int idx = Pick(c, snap, set, si, alg, flags);
        if (idx < 0)
        {
            _noDestination.Increment(c.Worker);
            return -1;
        }

        DispatcherDestination d = set.Destinations[idx];
        if (!Use(c, d, d.Du, domain))
        {
            return -1;
        }

        if (_dstSlot >= 0)
        {
            c.ClearAvp(_dstSlot);
            int count = (flags & DispatcherFlags.Failover) != 0 ? PushFailover(c, snap, set, idx, flags, limit) : PushOne(c, d);
            c.ClearAvp(_grpSlot);
            c.AddAvp(_grpSlot, set.Id);
            c.ClearAvp(_cntSlot);
            c.AddAvp(_cntSlot, count);
        }

        _selections.Increment(c.Worker);
        return 1;
    }

    private int PushOne(ScriptContext c, DispatcherDestination d)
    {
        c.AddAvp(_dstSlot, d.Du);
        return 1;
    }

    /// <summary>The selected destination on top, then the other active ones in set order after it (wrapping), the default last.</summary>
    private int PushFailover(ScriptContext c, DispatcherSnapshot snap, DispatcherSet set, int selected, DispatcherFlags flags, int limit)
    {
        DispatcherDestination[] ds = set.Destinations;
        int n = ds.Length;
        int usable = (flags & DispatcherFlags.UseDefault) != 0 && n > 1 ? n - 1 : n;
        Span<int> order = stackalloc int[MaxFailover];
        int count = 0;
        order[count++] = selected;
        for (int k = 1; k < usable && count < MaxFailover; k++)
        {
            int j = (selected + k) % usable;
            if (j != selected && snap.IsActive(ds[j]))
            {
                order[count++] = j;
            }
        }

        if (usable < n && selected != n - 1 && count < MaxFailover && snap.IsActive(ds[n - 1]))
        {
            order[count++] = n - 1;
        }

        if (limit > 0 && count > limit)
        {
            count = limit;
        }

        for (int i = count - 1; i >= 0; i--)
        {
            c.AddAvp(_dstSlot, ds[order[i]].Du);
        }

        return count;
    }

    /// <summary>Points the request at <paramref name="d"/>: <c>$du</c> (or the R-URI's host:port), the row's socket, its attrs.</summary>
    private bool Use(ScriptContext c, DispatcherDestination? d, ReadOnlySpan<byte> du, bool domain)
    {
        if (domain)
        {
            if (!RewriteHostPort(c, d is not null ? d.HostPort : HostPortOf(du)))
            {
                return false;
            }
        }
        else if (!c.SetDestination(du))
        {
            return false;
        }

        if (d?.SocketBytes is { } socket)
        {
            int index = c.Host.FindSocket(socket);
            if (index >= 0)
            {
                c.ForcedSocket = index;
            }
        }

        if (_sockSlot >= 0)
        {
            c.ClearAvp(_sockSlot);
            if (d?.SocketBytes is { } s)
            {
                c.AddAvp(_sockSlot, s);
            }
        }

        if (_attrsSlot >= 0)
        {
            c.ClearAvp(_attrsSlot);
            if (d is not null && d.Attrs.Length > 0)
            {
                c.AddAvp(_attrsSlot, d.Attrs);
            }
        }

        return true;
    }

    private static ReadOnlySpan<byte> HostPortOf(ReadOnlySpan<byte> uri)
    {
        if (!SipUri.TryParse(uri, out SipUri u))
        {
            return default;
        }

        int end = u.Port.Length > 0 ? u.Port.End : u.Host.End;
        return uri[u.Host.Start..end];
    }

    /// <summary>The Request-URI with its host[:port] replaced (ds_select_domain, ds_next_domain).</summary>
    private static bool RewriteHostPort(ScriptContext c, ReadOnlySpan<byte> hostPort)
    {
        ReadOnlySpan<byte> ruri = c.RequestUri;
        if (hostPort.IsEmpty || !SipUri.TryParse(ruri, out SipUri u))
        {
            return false;
        }

        int end = u.Port.Length > 0 ? u.Port.End : u.Host.End;
        int length = u.Host.Start + hostPort.Length + (ruri.Length - end);
        if (length > 2048)
        {
            return false;
        }

        Span<byte> next = stackalloc byte[length];
        ruri[..u.Host.Start].CopyTo(next);
        hostPort.CopyTo(next[u.Host.Start..]);
        ruri[end..].CopyTo(next[(u.Host.Start + hostPort.Length)..]);
        return c.SetRequestUri(next);
    }

    private int NextDst(ScriptContext c, CallArguments a) => Next(c, domain: false);

    private int NextDomain(ScriptContext c, CallArguments a) => Next(c, domain: true);

    /// <summary>Drops the current destination from the failover list and uses the next; -1 when the list is exhausted.</summary>
    private int Next(ScriptContext c, bool domain)
    {
        if (_dstSlot < 0 || !c.PopAvp(_dstSlot))
        {
            return -1;
        }

        ScriptValue next = c.AvpValueAt(_dstSlot, 0);
        if (next.IsNull || !next.HasString)
        {
            return -1;
        }

        int group = c.AvpValueAt(_grpSlot, 0).TryGetInt(out int g) ? g : -1;
        DispatcherDestination? d = Snapshot.Data.FindByDu(group, next.Span);
        return Use(c, d, next.Span, domain) ? 1 : -1;
    }

    /// <summary>ds_mark_dst([state]): the state of the destination in use (top of <c>dst_avp</c>); default inactive.</summary>
    private int MarkDst(ScriptContext c, CallArguments a)
    {
        byte state = a.Count > 0 && a.Fixed(0) is byte s ? s : DispatcherState.Inactive;
        if (a.Count > 0 && a.Fixed(0) is null && !DispatcherState.TryParse(System.Text.Encoding.ASCII.GetString(a.Bytes(c, 0)), out state))
        {
            a.Error(c, "ds_mark_dst: not a state");
            return -1;
        }

        ScriptValue top = c.AvpValueAt(_dstSlot, 0);
        if (top.IsNull || !top.HasString)
        {
            return -1;
        }

        int group = c.AvpValueAt(_grpSlot, 0).TryGetInt(out int g) ? g : -1;
        DispatcherSnapshot snap = Snapshot;
        DispatcherDestination? d = snap.Data.FindByDu(group, top.Span);
        if (d is null)
        {
            return -1;
        }

        Mark(snap, d, state);
        return 1;
    }

    /// <summary>
    /// A state asked by the script or MI. Probing counts a failure and turns probing at <c>ds_probing_threshold</c>;
    /// on an inactive destination it clears the inactive state instead (OpenSIPS does the same).
    /// </summary>
    public void Mark(DispatcherSnapshot snap, DispatcherDestination d, byte state)
    {
        if (state != DispatcherState.Probing)
        {
            SetState(snap.Data, d.Index, state);
            return;
        }

        if (snap.States[d.Index] == DispatcherState.Inactive)
        {
            SetState(snap.Data, d.Index, DispatcherState.Active);
            return;
        }

        if (snap.States[d.Index] == DispatcherState.Active && Interlocked.Increment(ref snap.Data.Failures[d.Index]) >= ProbingThreshold)
        {
            SetState(snap.Data, d.Index, DispatcherState.Probing);
        }
    }

    /// <summary>ds_count(set, filter, result): how many destinations of the set are in the filtered states; -1 for an unknown set.</summary>
    private int CountDestinations(ScriptContext c, CallArguments a)
    {
        if (!a.TryInt(c, 0, out int setId) || a.Fixed(1) is not int mask)
        {
            return -1;
        }

        DispatcherSnapshot snap = Snapshot;
        DispatcherSet? set = snap.Data.Find(setId);
        if (set is null)
        {
            return -1;
        }

        int n = 0;
        foreach (DispatcherDestination d in set.Destinations)
        {
            if ((mask & (1 << snap.States[d.Index])) != 0)
            {
                n++;
            }
        }

        a.Write(c, 2, ScriptValue.FromInt(n));
        return 1;
    }

    /// <summary>ds_is_in_list(ip, port[, set[, partition[, active_only]]]): 1 when a destination has that address and port (0 = any).</summary>
    private int IsInList(ScriptContext c, CallArguments a)
    {
        ReadOnlySpan<byte> ip = a.Bytes(c, 0);
        if (ip.Length > 2 && ip[0] == '[' && ip[^1] == ']')
        {
            ip = ip[1..^1];
        }

        if (!NetAddress.TryParse(ip, 0, out NetAddress address) || !a.TryInt(c, 1, out int port))
        {
            return -1;
        }

        int setId = -1;
        if (a.Count > 2 && !a.TryInt(c, 2, out setId))
        {
            return -1;
        }

        bool activeOnly = a.Count > 4 && a.TryInt(c, 4, out int only) && only != 0;
        DispatcherSnapshot snap = Snapshot;
        foreach (DispatcherDestination d in snap.Data.All)
        {
            if ((setId >= 0 && d.SetId != setId) || (activeOnly && !snap.IsActive(d)) || (port != 0 && d.Port != 0 && d.Port != port))
            {
                continue;
            }

            foreach (NetAddress x in d.Addresses)
            {
                if (x.WithPort(0) == address)
                {
                    if (_attrsSlot >= 0 && d.Attrs.Length > 0)
                    {
                        c.ClearAvp(_attrsSlot);
                        c.AddAvp(_attrsSlot, d.Attrs);
                    }

                    return 1;
                }
            }
        }

        return -1;
    }
}
