using Hyperproxy.Location;
using Hyperproxy.Location.Records;

namespace Hyperproxy.Modules.Registrar;

/// <summary>
/// The record changes of usrloc's MI commands: <c>ul_rm_contact</c> (drop the binding whose contact URI is
/// <see cref="Contact"/>) and <c>ul_add</c> (add it, replacing a binding with the same contact URI).
/// </summary>
internal struct UsrlocMiUpdater : ILocationUpdater
{
    public byte[] Contact;
    public bool Add;
    public ContactFields Fields;
    public byte[] CallId;
    public byte[][] Path;
    public bool Found;

    public UpdateDecision Update(ReadOnlySpan<byte> current, Span<byte> destination, out int length)
    {
        length = 0;
        Found = false;
        LocationRecordReader reader = default;
        if (!current.IsEmpty && LocationRecord.TryOpen(current, out reader) != RecordError.None)
            return UpdateDecision.Keep;
        var writer = new LocationRecordWriter(destination);
        if (!current.IsEmpty)
        {
            foreach (ContactView c in reader.GetAllContacts())
            {
                if (c.Contact.SequenceEqual(Contact))
                {
                    Found = true;
                    continue;
                }

                writer.TryCopyContact(c);
            }
        }

        if (Add)
        {
            writer.TryAddContact(Fields, Contact, default, CallId, "hyperproxy-mi"u8, default);
            foreach (byte[] hop in Path)
                writer.TryAddPath(hop);
        }
        else if (!Found)
        {
            return UpdateDecision.Keep;
        }

        if (writer.Count == 0)
            return UpdateDecision.Delete;
        length = writer.Finish();
        return length < 0 ? UpdateDecision.Keep : UpdateDecision.Write;
    }
}
