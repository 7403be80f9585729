using Hyperproxy.Location;
using Hyperproxy.Location.Records;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Modules.Registrar;

/// <summary>is_registered, is_contact_registered, is_ip_registered and remove (spec §4.7).</summary>
public sealed partial class RegistrarModule
{
    private int IsRegisteredFunction(ScriptContext context, CallArguments a) =>
        OpenRecord(context, a.Count > 1 ? a.Bytes(context, 1) : default, out RegistrarState s, out LocationRecordReader reader)
            && reader.CountValid(s.Now) > 0 ? ScriptResult.True : ScriptResult.False;

    private int IsContactRegisteredFunction(ScriptContext context, CallArguments a)
    {
        ReadOnlySpan<byte> contact = a.Count > 2 ? a.Bytes(context, 2) : default;
        ReadOnlySpan<byte> callId = a.Count > 3 ? a.Bytes(context, 3) : default;
        if (contact.IsEmpty && callId.IsEmpty && context.Message.GetFirstContact(out NameAddr first) == SipError.None && !first.IsStar)
        {
            contact = context.Message.Span(first.Uri);
        }

        if (!OpenRecord(context, a.Count > 1 ? a.Bytes(context, 1) : default, out RegistrarState s, out LocationRecordReader reader))
        {
            return ScriptResult.False;
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
        if (!OpenRecord(context, a.Bytes(context, 1), out RegistrarState s, out LocationRecordReader reader))
        {
            return ScriptResult.False;
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
        if (!filter.HasFilter)
        {
            return session.Delete(aor, out _) == UpdateStatus.Failed ? ScriptResult.False : ScriptResult.True;
        }

        return session.Update(aor, ref filter, out _) == UpdateStatus.Failed ? ScriptResult.False : ScriptResult.True;
    }

    /// <summary>The AoR (argument, else To for REGISTER, From otherwise) and its record, opened.</summary>
    private bool OpenRecord(ScriptContext context, ReadOnlySpan<byte> aorUri, out RegistrarState s, out LocationRecordReader reader)
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
                return false;
            }

            aorUri = m.Span(to.Uri);
        }

        return TryWriteAor(aorUri, s.Aor, out s.AorLength) == RegistrarError.None
            && ReadRecord(s, s.Aor.AsSpan(0, s.AorLength))
            && !s.Record.IsEmpty
            && LocationRecord.TryOpen(s.Record, out reader) == RecordError.None;
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
