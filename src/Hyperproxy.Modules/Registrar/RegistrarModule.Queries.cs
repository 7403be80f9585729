using Hyperproxy.Location;
using Hyperproxy.Location.Records;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Modules.Registrar;

/// <summary>
/// is_registered, is_contact_registered, is_ip_registered and remove (spec §4.7). On a store across the network
/// (Redis) none of them waits on the worker: the request is parked while the record is fetched (or the removal's
/// compare-and-set is answered) and runs again from the start of its route, as for lookup() and save().
/// </summary>
public sealed partial class RegistrarModule
{
    /// <summary><see cref="OpenRecord"/>: the record is open.</summary>
    private const int Opened = 1;

    private int IsRegisteredFunction(ScriptContext context, CallArguments a)
    {
        int opened = OpenRecord(context, a.Count > 1 ? a.Bytes(context, 1) : default, out RegistrarState s, out LocationRecordReader reader);
        if (opened != Opened)
        {
            return opened;
        }

        return reader.CountValid(s.Now) > 0 ? ScriptResult.True : ScriptResult.False;
    }

    private int IsContactRegisteredFunction(ScriptContext context, CallArguments a)
    {
        ReadOnlySpan<byte> contact = a.Count > 2 ? a.Bytes(context, 2) : default;
        ReadOnlySpan<byte> callId = a.Count > 3 ? a.Bytes(context, 3) : default;
        if (contact.IsEmpty && callId.IsEmpty && context.Message.GetFirstContact(out NameAddr first) == SipError.None && !first.IsStar)
        {
            contact = context.Message.Span(first.Uri);
        }

        int opened = OpenRecord(context, a.Count > 1 ? a.Bytes(context, 1) : default, out RegistrarState s, out LocationRecordReader reader);
        if (opened != Opened)
        {
            return opened;
        }

        foreach (ContactView c in reader.GetContacts(s.Now))
        {
            if ((contact.IsEmpty || c.Contact.SequenceEqual(contact)) && (callId.IsEmpty || c.CallId.SequenceEqual(callId)))
            {
                return ScriptResult.True;
            }
        }

        return ScriptResult.False;
    }

    private int IsIpRegisteredFunction(ScriptContext context, CallArguments a)
    {
        ReadOnlySpan<byte> ipText = a.Bytes(context, 2);
        if (!NetAddress.TryParse(ipText, 0, out NetAddress ip))
        {
            return ScriptResult.False;
        }

        int port = a.Count > 3 && a.TryInt(context, 3, out int p) ? p : 0;
        int opened = OpenRecord(context, a.Bytes(context, 1), out RegistrarState s, out LocationRecordReader reader);
        if (opened != Opened)
        {
            return opened;
        }

        foreach (ContactView c in reader.GetContacts(s.Now))
        {
            if (TryHostPort(c.Received.IsEmpty ? c.Contact : c.Received, out NetAddress address)
                && address.HostEquals(ip) && (port == 0 || address.Port == port))
            {
                return ScriptResult.True;
            }
        }

        return ScriptResult.False;
    }

    private int RemoveFunction(ScriptContext context, CallArguments a)
    {
        RegistrarState s = State(context);
        s.Now = Clock.UnixSeconds;
        if (TryWriteAor(a.Bytes(context, 1), s.Aor, out s.AorLength) != RegistrarError.None)
        {
            return ScriptResult.False;
        }

        ReadOnlySpan<byte> aor = s.Aor.AsSpan(0, s.AorLength);
        ILocationSession session = s.EnsureSession();
        var filter = new RemoveUpdater { State = s };
        filter.SetFilters(context, a);
        if (context.Host.CanPark && session is IFetchingSession fetching)
        {
            return RemoveParked(context, s, fetching, aor, ref filter);
        }

        if (!filter.HasFilter)
        {
            return session.Delete(aor, out _) == UpdateStatus.Failed ? ScriptResult.False : ScriptResult.True;
        }

        return session.Update(aor, ref filter, out _) == UpdateStatus.Failed ? ScriptResult.False : ScriptResult.True;
    }

    /// <summary>
    /// remove() on a store across the network: a compare-and-set like save()'s (fetch, filter here, script), the
    /// request parked at each step. Each remove() of one run of the request is its own write: named by the request
    /// (Call-ID, CSeq) and the call's rank in the run ("R1", "R2"...), so a route that removes twice finds each answer.
    /// </summary>
    private static int RemoveParked(ScriptContext context, RegistrarState s, IFetchingSession fetching, ReadOnlySpan<byte> aor,
        ref RemoveUpdater filter)
    {
        Span<byte> name = stackalloc byte[RequestNameBytes + 16];
        int n = WriteRequestName(context.Message, name);
        name[n++] = (byte)' ';
        name[n++] = (byte)'R';
        n += ScriptText.WriteInt(++s.Removals, name[n..]);
        UpdateStatus status;
        if (filter.HasFilter)
        {
            status = fetching.UpdateOrStart(aor, name[..n], ref filter, out _, out _);
        }
        else
        {
            var all = default(StarUpdater);
            status = fetching.UpdateOrStart(aor, name[..n], ref all, out _, out _);
        }

        return status switch
        {
            UpdateStatus.Pending => context.Suspend(s.Parking(fetching)),
            UpdateStatus.Failed or UpdateStatus.BadLength => ScriptResult.False,
            _ => ScriptResult.True,
        };
    }

    /// <summary>
    /// The AoR (argument, else To for REGISTER, From otherwise) and its record, opened: <see cref="Opened"/>;
    /// <see cref="ScriptResult.False"/> when there is none (or the store failed); 0 when the request is suspended
    /// while the record is fetched (a store across the network: the route ends and runs again once it is here).
    /// </summary>
    private int OpenRecord(ScriptContext context, ReadOnlySpan<byte> aorUri, out RegistrarState s, out LocationRecordReader reader)
    {
        reader = default;
        s = State(context);
        s.Now = Clock.UnixSeconds;
        SipMessage m = context.Message;
        if (aorUri.IsEmpty)
        {
            SipError e = m.Method == SipMethod.Register ? m.GetTo(out NameAddr to) : m.GetFrom(out to);
            if (e != SipError.None)
            {
                return ScriptResult.False;
            }

            aorUri = m.Span(to.Uri);
        }

        if (TryWriteAor(aorUri, s.Aor, out s.AorLength) != RegistrarError.None)
        {
            return ScriptResult.False;
        }

        if (context.Host.CanPark && s.EnsureSession() is IFetchingSession fetching)
        {
            ReadStatus read = FetchRecord(s, fetching);
            if (read == ReadStatus.Pending)
            {
                return context.Suspend(s.Parking(fetching));
            }

            if (read == ReadStatus.Failed)
            {
                return ScriptResult.False;
            }
        }
        else if (!ReadRecord(s, s.Aor.AsSpan(0, s.AorLength)))
        {
            return ScriptResult.False;
        }

        return !s.Record.IsEmpty && LocationRecord.TryOpen(s.Record, out reader) == RecordError.None ? Opened : ScriptResult.False;
    }

    /// <summary>The host and port of a SIP URI with a numeric host (port 5060 when absent).</summary>
    internal static bool TryHostPort(ReadOnlySpan<byte> uriText, out NetAddress address)
    {
        address = default;
        if (!SipUri.TryParse(uriText, out SipUri uri) || !uri.Host.IsPresent)
        {
            return false;
        }

        ReadOnlySpan<byte> host = uriText.Slice(uri.Host.Start, uri.Host.Length);
        if (host.Length > 2 && host[0] == (byte)'[')
        {
            host = host[1..^1];
        }

        return NetAddress.TryParse(host, uri.PortNumber == 0 ? 5060 : uri.PortNumber, out address);
    }
}
