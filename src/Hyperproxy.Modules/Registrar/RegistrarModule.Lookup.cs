using Hyperproxy.Location;
using Hyperproxy.Location.Records;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Registrar;

/// <summary>lookup(domain[, flags[, aor]]) (spec §4.6).</summary>
public sealed partial class RegistrarModule
{
    private int LookupFunction(ScriptContext context, CallArguments a)
    {
        LookupFlags flags = a.Count > 1 && a.Fixed(1) is LookupFlags f ? f : LookupFlags.Default;
        return Lookup(context, flags, a.Count > 2 ? a.Bytes(context, 2) : default);
    }

    /// <summary>
    /// R-URI := the first valid binding (usrloc order: q descending); with a Path, <c>$du</c> := its first
    /// URI and the Path goes in as a pre-loaded Route set when the request leaves; else <c>$du</c> :=
    /// received; the outgoing socket is the one the REGISTER came in on; further bindings are counted as
    /// branches. Returns a <see cref="RegistrarResult"/> code.
    /// </summary>
    public int Lookup(ScriptContext context, LookupFlags flags, ReadOnlySpan<byte> aorUri)
    {
        SipMessage m = context.Message;
        if (!m.CallId.IsPresent)
        {
            return RegistrarResult.InternalError;
        }

        RegistrarState s = State(context);
        s.Now = Clock.UnixSeconds;
        if (TryWriteAor(aorUri.IsEmpty ? context.RequestUri : aorUri, s.Aor, out s.AorLength) != RegistrarError.None)
        {
            return RegistrarResult.InternalError;
        }

        if (context.Host.CanPark && s.EnsureSession() is IFetchingSession fetching)
        {
            // A store across the network: the worker does not wait; the request is parked and runs again
            // once the record is here (or the fetch failed or timed out: then -3, and the script replies).
            ReadStatus read = FetchRecord(s, fetching);
            if (read == ReadStatus.Pending)
            {
                return context.Suspend(s.Parking(fetching));
            }

            if (read == ReadStatus.Failed)
            {
                return RegistrarResult.InternalError;
            }
        }
        else if (!ReadRecord(s, s.Aor.AsSpan(0, s.AorLength)))
        {
            return RegistrarResult.InternalError;
        }

        ReadOnlySpan<byte> record = s.Record;
        if (record.IsEmpty || LocationRecord.TryOpen(record, out LocationRecordReader reader) != RecordError.None)
        {
            return RegistrarResult.NotFound;
        }

        int valid = 0;
        int pushed = 0;
        Span<char> ua = stackalloc char[256];
        Span<byte> route = stackalloc byte[2048];
        foreach (ContactView c in reader.GetContacts(s.Now))
        {
            valid++;
            if (c.RegId >= 0 && !c.Instance.IsEmpty && HasNewerFlow(reader, c, s.Now))
            {
                continue; // RFC 5626 §5.3: one flow per instance in the target set, the most recently registered
            }

            if (flags.MethodFiltering && !MethodMask.Allows(c.Methods, m.Method))
            {
                continue;
            }

            if (flags.UserAgentFilter is { } regex)
            {
                int n = System.Text.Encoding.ASCII.GetChars(c.UserAgent, ua);
                if (!regex.IsMatch(ua[..n]))
                {
                    continue;
                }
            }

            int position;
            if (pushed == 0 && !flags.ToBranchesOnly)
            {
                if (!Route(context, c))
                {
                    return RegistrarResult.InternalError;
                }

                position = 0;
            }
            else if (flags.NoBranches)
            {
                break;
            }
            else
            {
                // A further contact is a branch of the destination set (tm forks to it): with a Path, the Path is the
                // branch's pre-loaded Route set and its first hop the next hop; else the received address when the UA
                // is behind NAT.
                context.ExtraBranches++;
                int routeLength = PathRouteLine.TryWrite(c, route);
                if (routeLength < 0)
                {
                    return RegistrarResult.InternalError;
                }

                if (!context.AppendBranch(c.Contact, routeLength > 0 ? c.FirstPath : c.Received.IsEmpty ? default : c.Received, route[..routeLength]))
                {
                    break;
                }

                if (IsLocalFlow(c))
                {
                    context.MarkLastBranchLocalFlow();
                }

                position = context.BranchCount;
            }

            if (c.RegId >= 0 && !c.Instance.IsEmpty)
            {
                KeepOlderFlows(context, reader, c, position, s.Now, route);
            }

            pushed++;
        }

        if (pushed > 0)
        {
            return RegistrarResult.Ok;
        }

        return valid > 0 ? RegistrarResult.MethodNotAllowed : RegistrarResult.NotFound;
    }

    /// <summary>Another valid binding of the same +sip.instance (an outbound flow, reg-id set) registered after <paramref name="c"/>.</summary>
    private static bool HasNewerFlow(LocationRecordReader reader, in ContactView c, long now)
    {
        foreach (ContactView other in reader.GetContacts(now))
        {
            if (other.RegId >= 0 && other.RegId != c.RegId && other.Instance.SequenceEqual(c.Instance)
                && (other.LastModified > c.LastModified || (other.LastModified == c.LastModified && other.RegId > c.RegId)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// RFC 5626 §5.3: the instance's other flows, newest first, kept with the target-set position of its newest one; tm
    /// sends the request down the next of them when a flow fails (430, or no connection left for a flow we hold).
    /// </summary>
    private static void KeepOlderFlows(ScriptContext context, LocationRecordReader reader, in ContactView newest, int position, long now, Span<byte> route)
    {
        long lastModified = newest.LastModified;
        int lastRegId = newest.RegId;
        for (int round = 0; round < ScriptContext.MaxFlowAlternates; round++)
        {
            bool found = false;
            ContactView next = default;
            foreach (ContactView other in reader.GetContacts(now))
            {
                if (other.RegId < 0 || other.RegId == newest.RegId || !other.Instance.SequenceEqual(newest.Instance)
                    || !Older(other.LastModified, other.RegId, lastModified, lastRegId))
                {
                    continue;
                }

                if (!found || Older(next.LastModified, next.RegId, other.LastModified, other.RegId))
                {
                    next = other;
                    found = true;
                }
            }

            if (!found)
            {
                return;
            }

            int routeLength = PathRouteLine.TryWrite(next, route);
            if (routeLength < 0
                || !context.AddFlowAlternate(position, next.Contact, routeLength > 0 ? next.FirstPath : next.Received, route[..routeLength],
                    next.Socket < context.Host.SocketCount ? next.Socket : -1, IsLocalFlow(next)))
            {
                return;
            }

            lastModified = next.LastModified;
            lastRegId = next.RegId;
        }
    }

    /// <summary>(modified, reg-id) orders flows: a later registration is newer, equal times the higher reg-id.</summary>
    private static bool Older(long modified, int regId, long thanModified, int thanRegId) =>
        modified < thanModified || (modified == thanModified && regId < thanRegId);

    /// <summary>An outbound binding registered directly with us (no Path): its received is a flow we hold ourselves.</summary>
    private static bool IsLocalFlow(in ContactView c) => c.RegId >= 0 && c.PathCount == 0 && !c.Received.IsEmpty;

    /// <summary>The AoR's record from a fetch (growing the buffer when needed): Found (or NotFound: empty), Pending, Failed.</summary>
    private static ReadStatus FetchRecord(RegistrarState s, IFetchingSession fetching)
    {
        ReadOnlySpan<byte> aor = s.Aor.AsSpan(0, s.AorLength);
        while (true)
        {
            ReadStatus read = fetching.ReadOrFetch(aor, s.RecordBuffer, out int length);
            switch (read)
            {
                case ReadStatus.Found:
                    s.SetRecordLength(length);
                    return read;
                case ReadStatus.BufferTooSmall:
                    s.Grow(length);
                    continue;
                default:
                    s.SetRecordLength(0);
                    return read;
            }
        }
    }

    /// <summary>Branch 0: R-URI, next hop (first Path URI, else received), Route set, socket and branch flags.</summary>
    private static bool Route(ScriptContext context, in ContactView c)
    {
        if (!context.SetRequestUri(c.Contact))
        {
            return false;
        }

        if (c.PathCount > 0)
        {
            Span<byte> line = stackalloc byte[2048];
            int length = PathRouteLine.TryWrite(c, line);
            if (length < 0 || !context.SetPreloadedRoute(line[..length]) || !context.SetDestination(c.FirstPath))
            {
                return false;
            }

            SetPathVariable(context, c);
        }
        else if (!c.Received.IsEmpty)
        {
            context.SetPreloadedRoute(default);
            context.SetDestination(c.Received);
        }
        else
        {
            context.SetPreloadedRoute(default);
            context.ResetDestination();
        }

        if (c.Socket < context.Host.SocketCount)
        {
            context.ForcedSocket = c.Socket;
        }

        context.NoNewConnection = IsLocalFlow(c);

        context.BranchFlags |= c.BranchFlags;
        return true;
    }

    /// <summary>$path: the chosen contact's Path vector as "&lt;uri1&gt;,&lt;uri2&gt;" (left NULL when longer than 2 KiB).</summary>
    private static void SetPathVariable(ScriptContext context, in ContactView c)
    {
        Span<byte> text = stackalloc byte[2048];
        int n = 0;
        foreach (ReadOnlySpan<byte> uri in c.Path)
        {
            int need = uri.Length + (n == 0 ? 2 : 3);
            if (n + need > text.Length)
            {
                return;
            }

            if (n > 0)
            {
                text[n++] = (byte)',';
            }

            text[n++] = (byte)'<';
            uri.CopyTo(text[n..]);
            n += uri.Length;
            text[n++] = (byte)'>';
        }

        context.SetPathVector(text[..n]);
    }
}
