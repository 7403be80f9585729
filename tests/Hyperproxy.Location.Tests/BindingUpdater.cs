using Hyperproxy.Location.Records;

namespace Hyperproxy.Location.Tests;

/// <summary>
/// A save-like updater (a ref struct holding spans, as the registrar's will): replaces the binding with
/// the same contact URI or adds it, drops expired bindings, removes the binding when Expires is -1, and
/// reports how many bindings the record had before.
/// </summary>
internal ref struct BindingUpdater : ILocationUpdater
{
    public ReadOnlySpan<byte> Contact;
    public ReadOnlySpan<byte> Path1;
    public ReadOnlySpan<byte> Path2;
    public long Expires;
    public long Now;
    public uint CSeq;
    public int Before;
    public int Calls;

    public UpdateDecision Update(ReadOnlySpan<byte> current, Span<byte> destination, out int length)
    {
        Calls++;
        length = 0;
        Before = 0;
        var writer = new LocationRecordWriter(destination);
        if (!current.IsEmpty)
        {
            if (LocationRecord.TryOpen(current, out LocationRecordReader reader) != RecordError.None)
                return UpdateDecision.Keep;
            Before = reader.Count;
            foreach (ContactView c in reader.GetContacts(Now))
            {
                if (!c.Contact.SequenceEqual(Contact))
                    writer.TryCopyContact(in c);
            }
        }
        if (Expires >= 0)
        {
            var fields = ContactFields.Create(Expires, Now, CSeq);
            fields.Flags = ContactFlags.Nat;
            writer.TryAddContact(in fields, Contact, "sip:198.51.100.7:40000"u8, "call-1@ua"u8, "TestUA/1.0"u8, "\"<urn:uuid:1>\""u8);
            if (!Path1.IsEmpty)
                writer.TryAddPath(Path1);
            if (!Path2.IsEmpty)
                writer.TryAddPath(Path2);
        }
        if (writer.Count == 0)
            return current.IsEmpty ? UpdateDecision.Keep : UpdateDecision.Delete;
        length = writer.Finish();
        return length < 0 ? UpdateDecision.Keep : UpdateDecision.Write;
    }
}
