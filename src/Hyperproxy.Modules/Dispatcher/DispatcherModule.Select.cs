using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Modules.Dispatcher;

/// <summary>
/// Choosing a destination of a set (OpenSIPS's algorithm numbers). Hash algorithms pick the first entry whose
/// running weight exceeds <c>hash mod total weight</c>; an inactive pick is re-hashed over the active entries
/// (weighted the same way). Round-robin (4) stays on an entry <c>weight</c> times; it and "first" (8) walk to the
/// next active entry. With the <c>d</c> flag the last entry is left out until nothing else is active.
/// Runs on the workers: one snapshot read, no lock, no allocation (round-robin counters are per thread).
/// </summary>
public sealed partial class DispatcherModule
{
    [ThreadStatic]
    private static RoundRobin? t_roundRobin;

    /// <summary>The index in <paramref name="set"/> of the chosen destination, or -1 (none active, hash input missing).</summary>
    internal static int Pick(ScriptContext c, DispatcherSnapshot snap, DispatcherSet set, int setIndex, int alg, DispatcherFlags flags)
    {
        DispatcherDestination[] ds = set.Destinations;
        int n = ds.Length;
        if (n == 0)
        {
            return -1;
        }

        int usable = (flags & DispatcherFlags.UseDefault) != 0 && n > 1 ? n - 1 : n;
        bool userOnly = (flags & DispatcherFlags.UserOnly) != 0;
        uint hash = 0;
        bool hashed = true;
        int idx = 0;
        switch (alg)
        {
            case 0:
                if (!c.Message.CallId.IsPresent)
                {
                    return -1;
                }

                hash = DispatcherHash.Add(DispatcherHash.Seed, c.Message.Span(c.Message.CallId));
                break;
            case 1:
            case 2:
            case 3:
                if (!TryHashUri(c, alg, userOnly, out hash))
                {
                    return -1;
                }

                break;
            case 5:
                if (!TryHashAuthUser(c.Message, out hash))
                {
                    hashed = false;
                    idx = NextRoundRobin(snap.Data, set, setIndex, usable);
                }

                break;
            case 6:
                hash = (uint)Random.Shared.Next();
                break;
            case 4:
                hashed = false;
                idx = NextRoundRobin(snap.Data, set, setIndex, usable);
                break;
            default: // 8: the first entry (highest priority)
                hashed = false;
                break;
        }

        if (hashed)
        {
            hash = DispatcherHash.Finish(hash);
            idx = Weighted(set, hash, usable);
        }

        if (snap.IsActive(ds[idx]))
        {
            return idx;
        }

        idx = hashed ? WeightedActive(snap, set, hash, usable) : NextActive(snap, ds, idx, usable);
        if (idx < 0 && usable < n && snap.IsActive(ds[n - 1]))
        {
            return n - 1;
        }

        return idx;
    }

    private static int Weighted(DispatcherSet set, uint hash, int usable)
    {
        int total = set.RunningWeights[usable - 1];
        if (total <= 0)
        {
            return (int)(hash % (uint)usable);
        }

        uint v = hash % (uint)total;
        int[] running = set.RunningWeights;
        for (int i = 0; i < usable; i++)
        {
            if (v < (uint)running[i])
            {
                return i;
            }
        }

        return usable - 1;
    }

    private static int WeightedActive(DispatcherSnapshot snap, DispatcherSet set, uint hash, int usable)
    {
        DispatcherDestination[] ds = set.Destinations;
        long sum = 0;
        int count = 0;
        for (int i = 0; i < usable; i++)
        {
            if (snap.IsActive(ds[i]))
            {
                sum += ds[i].Weight;
                count++;
            }
        }

        if (count == 0)
        {
            return -1;
        }

        if (sum == 0)
        {
            int k = (int)(hash % (uint)count);
            for (int i = 0; i < usable; i++)
            {
                if (snap.IsActive(ds[i]) && k-- == 0)
                {
                    return i;
                }
            }

            return -1;
        }

        long v = hash % sum;
        long running = 0;
        for (int i = 0; i < usable; i++)
        {
            if (snap.IsActive(ds[i]))
            {
                running += ds[i].Weight;
                if (v < running)
                {
                    return i;
                }
            }
        }

        return -1;
    }

    private static int NextActive(DispatcherSnapshot snap, DispatcherDestination[] ds, int from, int usable)
    {
        for (int k = 1; k < usable; k++)
        {
            int j = (from + k) % usable;
            if (snap.IsActive(ds[j]))
            {
                return j;
            }
        }

        return -1;
    }

    /// <summary>Weighted round-robin, per thread (each worker keeps its own position: no shared write on the hot path).</summary>
    private static int NextRoundRobin(DispatcherData data, DispatcherSet set, int setIndex, int usable)
    {
        RoundRobin? rr = t_roundRobin;
        if (rr is null || !ReferenceEquals(rr.Owner, data))
        {
            rr = t_roundRobin = new RoundRobin(data);
        }

        int cand = rr.Next[setIndex] % usable;
        int weight = set.Destinations[cand].Weight;
        if (++rr.Hits[setIndex] >= weight)
        {
            rr.Next[setIndex] = (cand + 1) % usable;
            rr.Hits[setIndex] = 0;
        }

        return cand;
    }

    private static bool TryHashUri(ScriptContext c, int alg, bool userOnly, out uint hash)
    {
        hash = 0;
        SipMessage m = c.Message;
        ReadOnlySpan<byte> uri;
        if (alg == 3)
        {
            uri = c.RequestUri;
        }
        else
        {
            NameAddr na;
            SipError e = alg == 1 ? m.GetFrom(out na) : m.GetTo(out na);
            if (e != SipError.None)
            {
                return false;
            }

            uri = m.Span(na.Uri);
        }

        if (!SipUri.TryParse(uri, out SipUri u))
        {
            return false;
        }

        hash = DispatcherHash.Add(DispatcherHash.Seed, uri.Slice(u.User.Start, u.User.Length));
        if (!userOnly)
        {
            hash = DispatcherHash.Add(hash, uri.Slice(u.Host.Start, u.Host.Length));
            hash = DispatcherHash.Add(hash, u.PortNumber);
        }

        return true;
    }

    private static bool TryHashAuthUser(SipMessage m, out uint hash)
    {
        hash = 0;
        int i = m.FindHeader(HeaderId.ProxyAuthorization);
        if (i < 0)
        {
            i = m.FindHeader(HeaderId.Authorization);
        }

        if (i < 0)
        {
            return false;
        }

        ReadOnlySpan<byte> v = m.Span(m.Header(i).Value);
        if (!DigestHeader.TryParse(v, 0, out DigestHeader d) || d.Username.Length == 0)
        {
            return false;
        }

        hash = DispatcherHash.Add(DispatcherHash.Seed, v.Slice(d.Username.Start, d.Username.Length));
        return true;
    }

    private sealed class RoundRobin
    {
        public RoundRobin(DispatcherData owner)
        {
            Owner = owner;
            Next = new int[owner.Sets.Length];
            Hits = new int[owner.Sets.Length];
        }

        public DispatcherData Owner { get; }

        public int[] Next { get; }

        public int[] Hits { get; }
    }
}
