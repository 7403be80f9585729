using System.Text;
using Hyperproxy.Location.Records;

namespace Hyperproxy.Location.CrashVictim;

/// <summary>Stores one binding with two Path URIs for user&lt;Index&gt;@example.com (expiring at <see cref="Expires"/>, 0 = never).</summary>
internal struct VictimUpdater : ILocationUpdater
{
    public int Index;
    public long Expires;

    public static int FormatAor(Span<byte> target, int index)
    {
        Encoding.ASCII.TryGetBytes("user" + index + "@example.com", target, out int written);
        return written;
    }

    public readonly UpdateDecision Update(ReadOnlySpan<byte> current, Span<byte> destination, out int length)
    {
        var writer = new LocationRecordWriter(destination);
        var fields = ContactFields.Create(expires: Expires, lastModified: 1, cseq: (uint)Index);
        writer.TryAddContact(in fields, "sip:ua@192.0.2.10:5060"u8, "sip:198.51.100.7:40000"u8, "crash-victim"u8, "victim"u8, default);
        writer.TryAddPath("<sip:p1.example.net;lr;received=sip:198.51.100.7:40000>"u8);
        writer.TryAddPath("<sip:p2.example.net;lr>"u8);
        length = writer.Finish();
        return UpdateDecision.Write;
    }
}
