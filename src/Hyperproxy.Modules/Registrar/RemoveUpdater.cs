using Hyperproxy.Location;
using Hyperproxy.Location.Records;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Registrar;

/// <summary>
/// remove(domain, aor, contact, next_hop, sip_instance, bflag) with filters: bindings matching every
/// given filter are removed (contact: exact bytes; next hop: first Path host, else received, else contact
/// host; instance: exact; bflag: branch flag bit). The filter values are copied into the state's buffers.
/// </summary>
internal struct RemoveUpdater : IParkedUpdater
{
    public RegistrarState State;
    private int _contactLength;
    private int _instanceLength;
    private NetAddress _nextHop;
    private bool _hasNextHop;
    private int _bflag;

    public readonly int Note => 0;

    public readonly bool HasFilter => _contactLength > 0 || _instanceLength > 0 || _hasNextHop || _bflag >= 0;

    public void SetFilters(ScriptContext context, CallArguments a)
    {
        _bflag = -1;
        byte[] scratch = State.ReplyLines;
        ReadOnlySpan<byte> contact = a.Count > 2 ? a.Bytes(context, 2) : default;
        ReadOnlySpan<byte> instance = a.Count > 4 ? a.Bytes(context, 4) : default;
        if (contact.Length + instance.Length <= scratch.Length)
        {
            contact.CopyTo(scratch);
            instance.CopyTo(scratch.AsSpan(contact.Length));
            _contactLength = contact.Length;
            _instanceLength = instance.Length;
        }

        ReadOnlySpan<byte> hop = a.Count > 3 ? a.Bytes(context, 3) : default;
        if (!hop.IsEmpty)
        {
            _hasNextHop = NetAddress.TryParseHostPort(hop, out _nextHop) || NetAddress.TryParse(hop, 0, out _nextHop)
                || RegistrarModule.TryHostPort(hop, out _nextHop);
        }

        if (a.Count > 5 && a.TryInt(context, 5, out int bit))
        {
            _bflag = bit;
        }
    }

    public readonly UpdateDecision Update(ReadOnlySpan<byte> current, Span<byte> destination, out int length)
    {
        length = 0;
        if (current.IsEmpty || LocationRecord.TryOpen(current, out LocationRecordReader reader) != RecordError.None)
        {
            return UpdateDecision.Keep;
        }

        ReadOnlySpan<byte> contact = State.ReplyLines.AsSpan(0, _contactLength);
        ReadOnlySpan<byte> instance = State.ReplyLines.AsSpan(_contactLength, _instanceLength);
        var writer = new LocationRecordWriter(destination);
        bool removed = false;
        foreach (ContactView c in reader.GetAllContacts())
        {
            bool match = (contact.IsEmpty || c.Contact.SequenceEqual(contact))
                && (instance.IsEmpty || c.Instance.SequenceEqual(instance))
                && (_bflag < 0 || (c.BranchFlags & (1u << _bflag)) != 0)
                && (!_hasNextHop || NextHopMatches(c));
            if (match)
            {
                removed = true;
            }
            else
            {
                writer.TryCopyContact(in c);
            }
        }

        if (!removed)
        {
            return UpdateDecision.Keep;
        }

        if (writer.Count == 0)
        {
            return UpdateDecision.Delete;
        }

        length = writer.Finish();
        return length < 0 ? UpdateDecision.Keep : UpdateDecision.Write;
    }

    private readonly bool NextHopMatches(in ContactView c)
    {
        ReadOnlySpan<byte> hop = c.PathCount > 0 ? c.FirstPath : !c.Received.IsEmpty ? c.Received : c.Contact;
        return RegistrarModule.TryHostPort(hop, out NetAddress a) && a.HostEquals(_nextHop) && (_nextHop.Port == 0 || a.Port == _nextHop.Port);
    }
}
