using Hyperproxy.Location.Records;

namespace Hyperproxy.Location.Tests;

public class LocationRecordTests
{
    private static byte[] TwoContacts()
    {
        var buffer = new byte[1024];
        var writer = new LocationRecordWriter(buffer);
        var first = new ContactFields
        {
            Expires = 2000, LastModified = 1000, CSeq = 7, Q = 500, Socket = 3,
            Flags = ContactFlags.Nat, BranchFlags = 0x10, Methods = 0x3F, RegId = 1,
        };
        Assert.True(writer.TryAddContact(in first, "sip:alice@192.0.2.10:5060"u8, "sip:198.51.100.7:40000"u8,
            "abc@host"u8, "UA/1"u8, "\"<urn:uuid:0001>\""u8));
        Assert.True(writer.TryAddPath("<sip:p1.example.net;lr;received=sip:198.51.100.7:40000>"u8));
        Assert.True(writer.TryAddPath("<sip:p2.example.net;lr>"u8));
        var second = ContactFields.Create(expires: 0, lastModified: 1001, cseq: 9);
        Assert.True(writer.TryAddContact(in second, "sip:alice@203.0.113.5"u8, default, "xyz@host"u8, default, default));
        int length = writer.Finish();
        Assert.True(length > 0);
        return buffer.AsSpan(0, length).ToArray();
    }

    [Fact]
    public void WrittenRecordReadsBackEveryField()
    {
        byte[] record = TwoContacts();
        Assert.Equal(RecordError.None, LocationRecord.TryOpen(record, out LocationRecordReader reader));
        Assert.Equal(2, reader.Count);
        Assert.Equal(2000, reader.MinExpires);
        ContactEnumerator e = reader.GetAllContacts();
        Assert.True(e.MoveNext());
        ContactView c = e.Current;
        Assert.Equal("sip:alice@192.0.2.10:5060", TestSupport.Text(c.Contact));
        Assert.Equal("sip:198.51.100.7:40000", TestSupport.Text(c.Received));
        Assert.Equal("abc@host", TestSupport.Text(c.CallId));
        Assert.Equal("UA/1", TestSupport.Text(c.UserAgent));
        Assert.Equal("\"<urn:uuid:0001>\"", TestSupport.Text(c.Instance));
        Assert.Equal(2000, c.Expires);
        Assert.Equal(1000, c.LastModified);
        Assert.Equal(7u, c.CSeq);
        Assert.Equal(500, c.Q);
        Assert.Equal(3, c.Socket);
        Assert.Equal(ContactFlags.Nat, c.Flags);
        Assert.Equal(0x10u, c.BranchFlags);
        Assert.Equal(0x3Fu, c.Methods);
        Assert.Equal(1, c.RegId);
        Assert.Equal(2, c.PathCount);
        Assert.Equal("<sip:p1.example.net;lr;received=sip:198.51.100.7:40000>", TestSupport.Text(c.FirstPath));
        var paths = new List<string>();
        foreach (ReadOnlySpan<byte> p in c.Path)
            paths.Add(TestSupport.Text(p));
        Assert.Equal(["<sip:p1.example.net;lr;received=sip:198.51.100.7:40000>", "<sip:p2.example.net;lr>"], paths);
        Assert.True(e.MoveNext());
        ContactView d = e.Current;
        Assert.Equal("sip:alice@203.0.113.5", TestSupport.Text(d.Contact));
        Assert.True(d.Received.IsEmpty);
        Assert.Equal(0, d.PathCount);
        Assert.True(d.FirstPath.IsEmpty);
        Assert.Equal(-1, d.Q);
        Assert.Equal(-1, d.RegId);
        Assert.False(e.MoveNext());
    }

    [Fact]
    public void ReaderFiltersBindingsExpiredAtNowButKeepsPermanentOnes()
    {
        byte[] record = TwoContacts();
        LocationRecord.TryOpen(record, out LocationRecordReader reader);
        Assert.Equal(2, reader.CountValid(1999));
        Assert.Equal(1, reader.CountValid(2000));
        Assert.Equal(1, reader.CountValid(long.MaxValue));
        Assert.True(reader.HasExpired(2000));
        Assert.False(reader.HasExpired(1999));
        Assert.Equal(["sip:alice@203.0.113.5"], TestSupport.Contacts(record, 5000));
    }

    [Fact]
    public void CopyingContactsKeepsThemAndCanChangeTheirFixedFields()
    {
        byte[] record = TwoContacts();
        LocationRecord.TryOpen(record, out LocationRecordReader reader);
        var buffer = new byte[1024];
        var writer = new LocationRecordWriter(buffer);
        foreach (ContactView c in reader.GetAllContacts())
        {
            ContactFields fields = c.Fields;
            fields.Expires = c.Expires == 0 ? 0 : 9000;
            fields.CSeq = c.CSeq + 1;
            Assert.True(writer.TryCopyContact(in c, in fields));
        }
        int length = writer.Finish();
        Assert.Equal(record.Length, length);
        LocationRecord.TryOpen(buffer.AsSpan(0, length), out LocationRecordReader copy);
        Assert.Equal(9000, copy.MinExpires);
        ContactEnumerator e = copy.GetAllContacts();
        Assert.True(e.MoveNext());
        Assert.Equal(8u, e.Current.CSeq);
        Assert.Equal(2, e.Current.PathCount);
        Assert.Equal("abc@host", TestSupport.Text(e.Current.CallId));
    }

    [Fact]
    public void WriterReportsOverflowInsteadOfThrowing()
    {
        var buffer = new byte[80];
        var writer = new LocationRecordWriter(buffer);
        var fields = ContactFields.Create(1, 1, 1);
        Assert.False(writer.TryAddContact(in fields, new byte[100], default, default, default, default));
        Assert.True(writer.Failed);
        Assert.False(writer.TryAddPath("x"u8));
        Assert.Equal(-1, writer.Finish());
        Assert.Equal(-1, new LocationRecordWriter(new byte[4]).Finish());
    }

    [Fact]
    public void PathWithoutAnOpenContactIsRefused()
    {
        var writer = new LocationRecordWriter(new byte[256]);
        Assert.False(writer.TryAddPath("<sip:p1>"u8));
        Assert.Equal(-1, writer.Finish());
    }

    [Fact]
    public void EmptyRecordIsValidAndHasNoContacts()
    {
        var buffer = new byte[64];
        int length = new LocationRecordWriter(buffer).Finish();
        Assert.Equal(LocationRecord.HeaderSize, length);
        Assert.Equal(RecordError.None, LocationRecord.TryOpen(buffer.AsSpan(0, length), out LocationRecordReader reader));
        Assert.Equal(0, reader.Count);
        Assert.Equal(0, reader.MinExpires);
    }

    [Fact]
    public void EveryTruncationOfARecordIsAnErrorNotAnException()
    {
        byte[] record = TwoContacts();
        for (int n = 0; n < record.Length; n++)
            Assert.NotEqual(RecordError.None, LocationRecord.Validate(record.AsSpan(0, n)));
    }

    [Fact]
    public void CorruptRecordsAreReportedByReason()
    {
        byte[] record = TwoContacts();
        byte[] version = (byte[])record.Clone();
        version[0] = 9;
        Assert.Equal(RecordError.UnknownVersion, LocationRecord.Validate(version));
        byte[] trailing = [.. record, 0];
        Assert.Equal(RecordError.TrailingBytes, LocationRecord.Validate(trailing));
        byte[] entry = (byte[])record.Clone();
        entry[LocationRecord.HeaderSize] = 10;
        entry[LocationRecord.HeaderSize + 1] = 0;
        Assert.Equal(RecordError.BadContactLength, LocationRecord.Validate(entry));
        byte[] text = (byte[])record.Clone();
        text[LocationRecord.HeaderSize + LocationRecord.ContactFixedSize] = 0xFF;
        text[LocationRecord.HeaderSize + LocationRecord.ContactFixedSize + 1] = 0x7F;
        Assert.Equal(RecordError.BadStringLength, LocationRecord.Validate(text));
        byte[] count = (byte[])record.Clone();
        count[1] = 3;
        Assert.NotEqual(RecordError.None, LocationRecord.Validate(count));
    }

    [Fact]
    public void RandomBytesNeverThrow()
    {
        var random = new Random(42);
        byte[] record = TwoContacts();
        for (int i = 0; i < 20_000; i++)
        {
            byte[] mutated = (byte[])record.Clone();
            mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            if (LocationRecord.TryOpen(mutated, out LocationRecordReader reader) != RecordError.None)
                continue;
            foreach (ContactView c in reader.GetAllContacts())
            {
                _ = c.Contact.Length + c.Instance.Length;
                foreach (ReadOnlySpan<byte> p in c.Path)
                    _ = p.Length;
            }
        }
    }
}
