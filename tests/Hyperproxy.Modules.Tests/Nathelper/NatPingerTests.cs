using System.Text;
using System.Text.Json.Nodes;
using Hyperproxy.Location;
using Hyperproxy.Location.Faster;
using Hyperproxy.Location.Records;
using Hyperproxy.Modules.Nathelper;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Tests.Nathelper;

/// <summary>The pinger driven by a test clock (no thread, no sleeps): pacing, SIP and UDP pings, answers, lost pings, removal.</summary>
public sealed class NatPingerTests : IDisposable
{
    private const long Now = 1_800_000_000;

    private readonly FasterLocationStore _store = new(new LocationStoreOptions { ExpectedAors = 1024 });
    private readonly ModuleCatalog _catalog = new();

    public void Dispose() => _store.Dispose();

    private NatPinger Pinger(string extra = "", int interval = 30)
    {
        _catalog.CompileText("loadmodule \"sl.so\"\nloadmodule \"usrloc.so\"\nloadmodule \"registrar.so\"\nloadmodule \"nathelper.so\"\n"
            + "modparam(\"usrloc\", \"nat_bflag\", \"NAT\")\n"
            + "modparam(\"nathelper\", \"natping_interval\", " + interval + ")\nmodparam(\"nathelper\", \"ping_nated_only\", 1)\n"
            + "modparam(\"nathelper\", \"sipping_bflag\", \"SIPPING\")\nmodparam(\"nathelper\", \"sipping_from\", \"sip:pinger@hp.example\")\n"
            + "modparam(\"nathelper\", \"remove_on_timeout_bflag\", \"RM\")\n" + extra
            + "route {\n setbflag(NAT); setbflag(SIPPING); setbflag(RM); save(\"location\");\n}\n");
        NatPingSocket[] sockets = [new NatPingSocket(true, NetAddressFamily.IPv4, "127.0.0.1"u8.ToArray(), 5060)];
        return new NatPinger(_catalog.Nathelper, _store, sockets, 1, () => Now);
    }

    private uint Bits(params string[] names)
    {
        uint bits = 0;
        foreach (string n in names)
        {
            int bit = n switch
            {
                "NAT" => _catalog.Registrar.NatBflag,
                "SIPPING" => _catalog.Nathelper.SippingBflag,
                _ => _catalog.Nathelper.RemoveOnTimeoutBflag,
            };
            bits |= 1u << bit;
        }

        return bits;
    }

    private void Store(string aor, params (string Contact, string Received, uint BranchFlags)[] contacts)
    {
        var updater = new WriteUpdater { Contacts = contacts };
        using ILocationSession session = _store.NewSession();
        Assert.Equal(UpdateStatus.Written, session.Update(Encoding.ASCII.GetBytes(aor), ref updater, out _));
    }

    private int ContactCount(string aor)
    {
        using ILocationSession session = _store.NewSession();
        byte[] buffer = new byte[8192];
        return session.Read(Encoding.ASCII.GetBytes(aor), buffer, out int length) == ReadStatus.Found ? LocationRecord.PeekContactCount(buffer.AsSpan(0, length)) : 0;
    }

    private static List<(string Text, NetAddress To)> Drain(NatPingRing ring)
    {
        var list = new List<(string, NetAddress)>();
        while (ring.TryPeek(out ReadOnlySpan<byte> datagram, out NetAddress to, out _))
        {
            list.Add((Encoding.ASCII.GetString(datagram), to));
            ring.Advance();
        }

        return list;
    }

    private static SipMessage Reply(string ping, int code = 200)
    {
        string via = ping.Split("\r\n").First(l => l.StartsWith("Via:", StringComparison.Ordinal));
        string text = $"SIP/2.0 {code} OK\r\n{via}\r\nFrom: <sip:pinger@hp.example>;tag=1\r\nTo: <sip:x@y>;tag=2\r\nCall-ID: nhp-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        var m = new SipMessage();
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        Assert.Equal(SipError.None, m.Parse(bytes, 0, bytes.Length));
        return m;
    }

    [Fact]
    public void SipPingsGoToTheReceivedAddressAndUdpPingsAreFourZeroBytes()
    {
        NatPinger pinger = Pinger();
        Store("alice", ("sip:alice@192.168.1.10:5062", "sip:127.0.0.7:4321", Bits("NAT", "SIPPING")), ("sip:alice@10.0.0.2", "sip:127.0.0.8:4000", Bits("NAT")));
        Store("bob", ("sip:bob@192.0.2.10", "", 0));
        pinger.Step(0);
        pinger.Step(29_990);
        List<(string Text, NetAddress To)> sent = Drain(pinger.Ring(0));
        Assert.Equal(2, sent.Count);
        (string sip, NetAddress sipTo) = sent.Single(s => s.Text.Length > 4);
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 7, 4321), sipTo);
        Assert.StartsWith("OPTIONS sip:alice@192.168.1.10:5062 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKnhp", sip);
        Assert.Contains("\r\nFrom: <sip:pinger@hp.example>;tag=", sip);
        Assert.Contains("\r\nTo: <sip:alice@192.168.1.10:5062>\r\n", sip);
        Assert.EndsWith("\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", sip);
        (string udp, NetAddress udpTo) = sent.Single(s => s.Text.Length == 4);
        Assert.Equal("\0\0\0\0", udp);
        Assert.Equal(NetAddress.FromIPv4(127, 0, 0, 8, 4000), udpTo);
        Assert.Equal(1, pinger.Stats.SipPings);
        Assert.Equal(1, pinger.Stats.UdpPings);
    }

    [Fact]
    public void NhEnablePingTurnsThePingerOffAndOnAndReportsItsStatus()
    {
        NatPinger pinger = Pinger();
        for (int i = 0; i < 30; i++)
        {
            Store("u" + i, ($"sip:u{i}@10.0.0.1", $"sip:127.0.0.7:{10000 + i}", Bits("NAT")));
        }

        Script.Management.MiCommand command = _catalog.Nathelper.Exports.MiCommands.Single(c => c.Name == "nh_enable_ping");
        // Parameters as they come off the wire (parsed JSON).
        JsonNode? Mi(string? json) => command.Handler(new Script.Management.MiArguments(
            json is null ? [] : JsonNode.Parse(json)!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value?.DeepClone())));
        Assert.Equal(1, (int)Mi(null)!["Status"]!);

        Assert.Equal("OK", (string)Mi("{\"status\":0}")!);
        Assert.Equal(0, (int)Mi(null)!["Status"]!);
        for (long t = 0; t <= 60_000; t += 1000)
        {
            pinger.Step(t);
        }

        Assert.Empty(Drain(pinger.Ring(0)));

        // On again: a fresh round, paced over the interval (not the whole table at once).
        Assert.Equal("OK", (string)Mi("{\"status\":5}")!);
        Assert.Equal(1, (int)Mi(null)!["Status"]!);
        pinger.Step(61_000);
        Assert.InRange(Drain(pinger.Ring(0)).Count, 1, 2);
        pinger.Step(61_000 + 29_990);
        Assert.Equal(29, Drain(pinger.Ring(0)).Count);
    }

    [Fact]
    public void NhEnablePingWithoutAPingerIsAnError()
    {
        _catalog.CompileText("loadmodule \"sl.so\"\nloadmodule \"usrloc.so\"\nloadmodule \"registrar.so\"\nloadmodule \"nathelper.so\"\nroute {\n exit;\n}\n");
        Script.Management.MiCommand command = _catalog.Nathelper.Exports.MiCommands.Single(c => c.Name == "nh_enable_ping");
        var e = Assert.Throws<Script.Management.MiException>(() => command.Handler(new Script.Management.MiArguments([])));
        Assert.Equal(400, e.Code);
        Assert.Equal("NATping disabled from script", e.Message);
    }

    [Fact]
    public void PingsAreSpreadEvenlyOverTheInterval()
    {
        NatPinger pinger = Pinger();
        for (int i = 0; i < 300; i++)
        {
            Store("u" + i, ($"sip:u{i}@10.0.0.1", $"sip:127.0.0.7:{10000 + i}", Bits("NAT")));
        }

        pinger.Step(0);
        int total = 0;
        for (long t = 1000; t <= 30_000; t += 1000)
        {
            pinger.Step(t - 10);
            int n = Drain(pinger.Ring(0)).Count;
            Assert.InRange(n, 9, 11); // 300 contacts over 30 s: 10 a second
            total += n;
        }

        Assert.Equal(300, total);
    }

    [Fact]
    public void AnsweredPingsKeepTheContactAndLostPingsRemoveItAfterMaxPingsLost()
    {
        NatPinger pinger = Pinger();
        Store("alice", ("sip:alice@192.168.1.10:5062", "sip:127.0.0.7:4321", Bits("NAT", "SIPPING", "RM")),
            ("sip:alice@10.0.0.2", "sip:127.0.0.8:4000", Bits("NAT", "SIPPING")));
        pinger.Step(0);
        bool answer = true;
        int rounds = 0;
        for (long t = 500; t <= 10 * 30_000 && ContactCount("alice") == 2; t += 500)
        {
            pinger.Step(t);
            foreach ((string text, NetAddress to) in Drain(pinger.Ring(0)))
            {
                if (to.Port == 4321)
                {
                    rounds++;
                }

                // The first contact answers its first two pings, then goes silent; the second always answers.
                if (to.Port == 4000 || (answer && rounds <= 2))
                {
                    Assert.True(pinger.TryAbsorbReply(Reply(text)));
                }
            }
        }

        Assert.Equal(1, ContactCount("alice"));
        Assert.Equal(2 + 3, rounds); // two answered, then max_pings_lost (3) unanswered
        Assert.Equal(1, pinger.Stats.Removed);
        Assert.Equal(0, pinger.LostCount("alice"u8, "sip:alice@10.0.0.2"u8, "c1"u8));
    }

    [Fact]
    public void IgnoredReplyCodesDoNotCountAsAnswers()
    {
        NatPinger pinger = Pinger("modparam(\"nathelper\", \"sipping_ignore_rpl_codes\", \"408,480\")\n");
        Store("alice", ("sip:alice@192.168.1.10:5062", "sip:127.0.0.7:4321", Bits("NAT", "SIPPING")));
        pinger.Step(0);
        pinger.Step(29_990);
        string ping = Assert.Single(Drain(pinger.Ring(0))).Text;
        Assert.True(pinger.TryAbsorbReply(Reply(ping, 408)));
        pinger.Step(33_000);
        Assert.Equal(1, pinger.LostCount("alice"u8, "sip:alice@192.168.1.10:5062"u8, "c1"u8));
    }

    [Fact]
    public void WithAnIntervalShorterThanTheThresholdALaterAnswerCoversTheEarlierPings()
    {
        NatPinger pinger = Pinger("modparam(\"nathelper\", \"ping_threshold\", 3)\n", interval: 1);
        Store("alice", ("sip:alice@192.168.1.10:5062", "sip:127.0.0.7:4321", Bits("NAT", "SIPPING", "RM")));
        int pings = 0;
        for (long t = 0; t <= 10_000; t += 250)
        {
            pinger.Step(t);
            foreach ((string text, _) in Drain(pinger.Ring(0)))
            {
                pings++;
                Assert.True(pinger.TryAbsorbReply(Reply(text)));
            }
        }

        Assert.InRange(pings, 10, 11);
        Assert.Equal(0, pinger.Stats.Lost);
        Assert.Equal(1, ContactCount("alice"));
    }

    [Fact]
    public void NotingAPingReplyAllocatesNothing()
    {
        NatPinger pinger = Pinger();
        Store("alice", ("sip:alice@192.168.1.10:5062", "sip:127.0.0.7:4321", Bits("NAT", "SIPPING")));
        pinger.Step(0);
        SipMessage reply = Reply(Assert.Single(Drain(pinger.Ring(0))).Text);
        Assert.True(pinger.TryAbsorbReply(reply));
        long allocated = Hyperproxy.Testing.Allocations.Least(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                pinger.TryAbsorbReply(reply);
            }
        });
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void RepliesToOtherRequestsAreNotAbsorbed()
    {
        NatPinger pinger = Pinger();
        var m = new SipMessage();
        byte[] bytes = Encoding.ASCII.GetBytes("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-other\r\nFrom: <sip:a@b>;tag=1\r\n"
            + "To: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(SipError.None, m.Parse(bytes, 0, bytes.Length));
        Assert.False(pinger.TryAbsorbReply(m));
    }

    private struct WriteUpdater : ILocationUpdater
    {
        public (string Contact, string Received, uint BranchFlags)[] Contacts;

        public readonly UpdateDecision Update(ReadOnlySpan<byte> current, Span<byte> destination, out int length)
        {
            var w = new LocationRecordWriter(destination);
            foreach ((string contact, string received, uint flags) in Contacts)
            {
                ContactFields f = ContactFields.Create(Now + 3600, Now, 1);
                f.BranchFlags = flags;
                w.TryAddContact(in f, Encoding.ASCII.GetBytes(contact), Encoding.ASCII.GetBytes(received), "c1"u8, "ua"u8, default);
            }

            length = w.Finish();
            return UpdateDecision.Write;
        }
    }
}
