using Hyperproxy.Location;
using Hyperproxy.Location.Records;

namespace Hyperproxy.Bench.Location;

/// <summary>What a REGISTER with two Path entries does to its AoR: replace the binding with the same
/// contact URI (refresh), keep the other valid ones.</summary>
internal struct RegisterUpdater : ILocationUpdater
{
    public long Now;
    public uint CSeq;

    public readonly UpdateDecision Update(ReadOnlySpan<byte> current, Span<byte> destination, out int length)
    {
        ReadOnlySpan<byte> contact = "sip:alice@192.0.2.10:5060;transport=udp"u8;
        var writer = new LocationRecordWriter(destination);
        if (!current.IsEmpty && LocationRecord.TryOpen(current, out LocationRecordReader reader) == RecordError.None)
        {
            foreach (ContactView c in reader.GetContacts(Now))
            {
                if (!c.Contact.SequenceEqual(contact))
                    writer.TryCopyContact(in c);
            }
        }
        var fields = ContactFields.Create(Now + 3600, Now, CSeq);
        fields.Flags = ContactFlags.Nat;
        writer.TryAddContact(in fields, contact, "sip:198.51.100.7:40000"u8, "a84b4c76e66710@pc33.example.com"u8,
            "Hypersak/1.0"u8, default);
        writer.TryAddPath("<sip:p1.example.net;lr;received=sip:198.51.100.7:40000>"u8);
        writer.TryAddPath("<sip:p2.example.net;lr>"u8);
        length = writer.Finish();
        return length < 0 ? UpdateDecision.Keep : UpdateDecision.Write;
    }
}
