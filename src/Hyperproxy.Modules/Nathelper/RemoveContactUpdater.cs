using Hyperproxy.Location;
using Hyperproxy.Location.Records;

namespace Hyperproxy.Modules.Nathelper;

/// <summary>Removes the binding whose identity (<see cref="NatPinger.Key"/> of AoR, contact, Call-ID) is <see cref="Key"/>.</summary>
internal struct RemoveContactUpdater : ILocationUpdater
{
    public byte[] Aor;
    public ulong Key;
    public bool Removed;

    public UpdateDecision Update(ReadOnlySpan<byte> current, Span<byte> destination, out int length)
    {
        length = 0;
        Removed = false;
        if (current.IsEmpty || LocationRecord.TryOpen(current, out LocationRecordReader reader) != RecordError.None)
        {
            return UpdateDecision.Keep;
        }

        var writer = new LocationRecordWriter(destination);
        foreach (ContactView c in reader.GetAllContacts())
        {
            if (!Removed && NatPinger.Key(Aor, c.Contact, c.CallId) == Key)
            {
                Removed = true;
            }
            else
            {
                writer.TryCopyContact(in c);
            }
        }

        if (!Removed)
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
}
