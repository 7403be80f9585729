using System.Buffers.Binary;
using System.Net;
using Hyperproxy.Proxy.Dns;

namespace Hyperproxy.Tests.Dns;

/// <summary>
/// The DNS message parser against crafted answers (RFC 1035 §4): well-formed SRV/NAPTR/A/AAAA/CNAME answers and
/// negative answers with their SOA, and malformed ones — compression loops, forward pointers, truncated records, labels
/// past the end, over-long names — which are failures, never an exception or a hang.
/// </summary>
public sealed class DnsWireTests
{
    private const ushort Id = 0x1234;

    /// <summary>Builds a response message byte by byte.</summary>
    private sealed class Message
    {
        private readonly List<byte> _bytes = [];

        public Message(int answers, int authority = 0, ushort flags = 0x8180, string question = "x.test", DnsType type = DnsType.A, ushort id = Id)
        {
            U16(id);
            U16(flags);
            U16(1);
            U16((ushort)answers);
            U16((ushort)authority);
            U16(0);
            Name(question);
            U16((ushort)type);
            U16(1);
        }

        public int Length => _bytes.Count;

        public Message U16(ushort v)
        {
            _bytes.Add((byte)(v >> 8));
            _bytes.Add((byte)v);
            return this;
        }

        public Message U32(uint v) => U16((ushort)(v >> 16)).U16((ushort)v);

        public Message Raw(params byte[] bytes)
        {
            _bytes.AddRange(bytes);
            return this;
        }

        public Message Name(string name)
        {
            foreach (string label in name.Split('.', StringSplitOptions.RemoveEmptyEntries))
            {
                _bytes.Add((byte)label.Length);
                _bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
            }

            _bytes.Add(0);
            return this;
        }

        /// <summary>A record header: owner as a pointer to the question's name (offset 12), type, class IN, TTL, length.</summary>
        public Message Record(DnsType type, uint ttl, int length) => Raw(0xC0, 12).U16((ushort)type).U16(1).U32(ttl).U16((ushort)length);

        public byte[] Bytes => [.. _bytes];
    }

    private static DnsAnswer Parse(Message m, string name = "x.test", DnsType type = DnsType.A) => DnsWire.Parse(m.Bytes, Id, name, type);

    [Fact]
    public void AQueryIsWrittenAsRfc1035Says()
    {
        byte[] buffer = new byte[512];
        int length = DnsWire.WriteQuery(buffer, 0xBEEF, "_sip._udp.example.com.", DnsType.Srv);
        byte[] expected = [0xBE, 0xEF, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
            4, (byte)'_', (byte)'s', (byte)'i', (byte)'p', 4, (byte)'_', (byte)'u', (byte)'d', (byte)'p',
            7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', 3, (byte)'c', (byte)'o', (byte)'m', 0, 0, 33, 0, 1];
        Assert.Equal(expected, buffer.AsSpan(0, length).ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a..b")]
    [InlineData("has space.test")]
    public void ANameThatIsNoDnsNameIsNotWritten(string name) => Assert.Equal(0, DnsWire.WriteQuery(new byte[512], 1, name, DnsType.A));

    [Fact]
    public void ALabelOver63AndANameOver253AreNotWritten()
    {
        Assert.Equal(0, DnsWire.WriteQuery(new byte[512], 1, new string('a', 64) + ".test", DnsType.A));
        Assert.Equal(0, DnsWire.WriteQuery(new byte[512], 1, string.Join('.', Enumerable.Repeat(new string('a', 50), 6)), DnsType.A));
    }

    [Fact]
    public void AnAAnswerGivesTheAddressAndTheTtl()
    {
        var m = new Message(2).Record(DnsType.A, 300, 4).Raw(192, 0, 2, 1).Record(DnsType.A, 60, 4).Raw(192, 0, 2, 2);
        DnsAnswer a = Parse(m);
        Assert.Equal(DnsStatus.Ok, a.Status);
        Assert.Equal([IPAddress.Parse("192.0.2.1"), IPAddress.Parse("192.0.2.2")], a.Records.Select(r => r.Address!).ToArray());
        Assert.Equal(60u, a.Ttl); // the least
    }

    [Fact]
    public void AnAaaaAnswerGivesTheAddress()
    {
        byte[] v6 = IPAddress.Parse("2001:db8::5").GetAddressBytes();
        var m = new Message(1, type: DnsType.Aaaa).Record(DnsType.Aaaa, 10, 16).Raw(v6);
        DnsAnswer a = Parse(m, type: DnsType.Aaaa);
        Assert.Equal(IPAddress.Parse("2001:db8::5"), Assert.Single(a.Records).Address);
    }

    [Fact]
    public void AnSrvAnswerGivesPriorityWeightPortAndTarget()
    {
        var m = new Message(1, question: "_sip._udp.x.test", type: DnsType.Srv);
        m.Record(DnsType.Srv, 120, 6 + 13).U16(10).U16(60).U16(5070).Name("srv1.x.test");
        DnsAnswer a = Parse(m, "_sip._udp.x.test", DnsType.Srv);
        DnsRecord r = Assert.Single(a.Records);
        Assert.Equal((10, 60, 5070, "srv1.x.test"), (r.Priority, r.Weight, r.Port, r.Target));
    }

    [Fact]
    public void ACompressedTargetPointingBackIsRead()
    {
        // target "srv1" + a pointer to the question's "x.test" at offset 12
        var m = new Message(1, question: "x.test", type: DnsType.Srv).Record(DnsType.Srv, 1, 6 + 7).U16(1).U16(0).U16(5060)
            .Raw(4, (byte)'s', (byte)'r', (byte)'v', (byte)'1', 0xC0, 12);
        Assert.Equal("srv1.x.test", Assert.Single(Parse(m, type: DnsType.Srv).Records).Target);
    }

    [Fact]
    public void ANaptrAnswerGivesOrderPreferenceFlagsServiceAndReplacement()
    {
        var m = new Message(1, type: DnsType.Naptr);
        m.Record(DnsType.Naptr, 30, 4 + 2 + 8 + 1 + 18).U16(10).U16(20).Raw(1, (byte)'s').Raw(7).Raw("SIP+D2T"u8.ToArray()).Raw(0).Name("_sip._tcp.x.test");
        DnsRecord r = Assert.Single(Parse(m, type: DnsType.Naptr).Records);
        Assert.Equal((10, 20, "s", "SIP+D2T", "", "_sip._tcp.x.test"), (r.Order, r.Preference, r.Flags, r.Service, r.Regexp, r.Target));
    }

    [Fact]
    public void ACnameIsFollowedToTheRecordsOfTheAlias()
    {
        var m = new Message(2).Record(DnsType.Cname, 100, 8).Name("y.test");
        int yAt = m.Length - 8;
        m.Raw(0xC0, (byte)yAt).U16((ushort)DnsType.A).U16(1).U32(50).U16(4).Raw(192, 0, 2, 9);
        DnsAnswer a = Parse(m);
        Assert.Equal(IPAddress.Parse("192.0.2.9"), Assert.Single(a.Records).Address);
        Assert.Equal(50u, a.Ttl);
    }

    [Fact]
    public void NxdomainIsANegativeAnswerKeptForTheSoaMinimum()
    {
        var m = new Message(0, authority: 1, flags: 0x8183);
        m.Raw(0xC0, 12).U16((ushort)DnsType.Soa).U16(1).U32(3600).U16(1 + 1 + 20).Raw(0).Raw(0).U32(1).U32(2).U32(3).U32(4).U32(30);
        DnsAnswer a = Parse(m);
        Assert.Equal(DnsStatus.NoRecords, a.Status);
        Assert.Equal(30u, a.Ttl);
    }

    [Fact]
    public void ServfailAndRefusedAreFailures()
    {
        Assert.Equal(DnsStatus.Failed, Parse(new Message(0, flags: 0x8182)).Status);
        Assert.Equal(DnsStatus.Failed, Parse(new Message(0, flags: 0x8185)).Status);
    }

    [Fact]
    public void AnAnswerToAnotherIdOrQuestionIsNotTaken()
    {
        var m = new Message(1).Record(DnsType.A, 1, 4).Raw(192, 0, 2, 1);
        Assert.Equal(DnsStatus.Failed, DnsWire.Parse(m.Bytes, Id + 1, "x.test", DnsType.A).Status);
        Assert.Equal(DnsStatus.Failed, DnsWire.Parse(m.Bytes, Id, "other.test", DnsType.A).Status);
        Assert.Equal(DnsStatus.Failed, DnsWire.Parse(m.Bytes, Id, "x.test", DnsType.Aaaa).Status);
    }

    [Fact]
    public void TruncationIsReportedForTheTcpRetry()
    {
        DnsAnswer a = Parse(new Message(0, flags: 0x8380));
        Assert.True(a.Truncated);
        Assert.Equal(DnsStatus.Failed, a.Status);
    }

    [Fact]
    public void ACompressionLoopIsMalformed()
    {
        // the answer's owner is a label then a pointer back to that label: an endless name
        var m = new Message(1);
        int at = m.Length;
        m.Raw(1, (byte)'a', 0xC0, (byte)at).U16(1).U16(1).U32(1).U16(4).Raw(1, 2, 3, 4);
        Assert.Equal(DnsStatus.Failed, Parse(m).Status);
    }

    [Fact]
    public void APointerToItselfOrForwardIsMalformed()
    {
        var self = new Message(1);
        int at = self.Length;
        self.Raw(0xC0, (byte)at).U16(1).U16(1).U32(1).U16(4).Raw(1, 2, 3, 4);
        Assert.Equal(DnsStatus.Failed, Parse(self).Status);

        var forward = new Message(1);
        int fat = forward.Length;
        forward.Raw(0xC0, (byte)(fat + 2), 0).U16(1).U16(1).U32(1).U16(4).Raw(1, 2, 3, 4);
        Assert.Equal(DnsStatus.Failed, Parse(forward).Status);
    }

    [Fact]
    public void ANameOver255BytesIsMalformed()
    {
        var longName = new Message(1);
        for (int i = 0; i < 5; i++)
        {
            longName.Raw(63).Raw(Enumerable.Repeat((byte)'b', 63).ToArray());
        }

        longName.Raw(0).U16(1).U16(1).U32(1).U16(4).Raw(1, 2, 3, 4);
        Assert.Equal(DnsStatus.Failed, Parse(longName).Status);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(11)]
    [InlineData(13)]
    public void ATruncatedRecordIsMalformed(int cut)
    {
        byte[] whole = new Message(1).Record(DnsType.A, 1, 4).Raw(192, 0, 2, 1).Bytes;
        Assert.Equal(DnsStatus.Failed, DnsWire.Parse(whole.AsSpan(0, whole.Length - cut), Id, "x.test", DnsType.A).Status);
    }

    [Fact]
    public void ARecordLengthPastTheEndIsMalformed()
    {
        var m = new Message(1).Record(DnsType.A, 1, 400).Raw(192, 0, 2, 1);
        Assert.Equal(DnsStatus.Failed, Parse(m).Status);
    }

    [Fact]
    public void AnARecordOfTheWrongLengthIsMalformed()
    {
        var m = new Message(1).Record(DnsType.A, 1, 3).Raw(192, 0, 2);
        Assert.Equal(DnsStatus.Failed, Parse(m).Status);
    }

    [Fact]
    public void AnSrvWhoseTargetRunsPastItsLengthIsMalformed()
    {
        var m = new Message(1, type: DnsType.Srv).Record(DnsType.Srv, 1, 8).U16(1).U16(1).U16(5060).Raw(5, (byte)'a');
        Assert.Equal(DnsStatus.Failed, Parse(m, type: DnsType.Srv).Status);
    }

    [Fact]
    public void ANaptrStringPastItsRecordIsMalformed()
    {
        var m = new Message(1, type: DnsType.Naptr).Record(DnsType.Naptr, 1, 7).U16(1).U16(1).Raw(40, (byte)'s', (byte)'x');
        Assert.Equal(DnsStatus.Failed, Parse(m, type: DnsType.Naptr).Status);
    }

    [Fact]
    public void RandomBytesNeverThrow()
    {
        var random = new Random(7);
        byte[] good = new Message(1, type: DnsType.Srv).Record(DnsType.Srv, 1, 6 + 13).U16(1).U16(1).U16(5060).Name("srv1.x.test").Bytes;
        for (int i = 0; i < 20000; i++)
        {
            byte[] bytes = (byte[])good.Clone();
            int flips = random.Next(1, 6);
            for (int f = 0; f < flips; f++)
            {
                bytes[random.Next(2, bytes.Length)] = (byte)random.Next(256);
            }

            int length = random.Next(0, bytes.Length + 1);
            DnsAnswer a = DnsWire.Parse(bytes.AsSpan(0, length), BinaryPrimitives.ReadUInt16BigEndian(good), "x.test", DnsType.Srv);
            Assert.NotNull(a);
        }
    }
}
