using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests.Management;

/// <summary>trace() to a proto_hep hep_id: the HEPv3 packets a Homer capture server would receive, decoded here independently.</summary>
public sealed class HepTests
{
    [Fact]
    public async Task TracedOptionsArriveAsHepV3WithAddressesPortsTimeAndTheMessage()
    {
        int hepPort = Ports.FreeUdpPort();
        using var capture = new UdpClient(new IPEndPoint(IPAddress.Loopback, hepPort));
        string script = ManagedServer.Script(
            $"modparam(\"proto_hep\", \"hep_id\", \"[homer] 127.0.0.1:{hepPort}; transport=udp; version=3\")\n"
            + "modparam(\"proto_hep\", \"hep_capture_id\", 1234)\n"
            + "modparam(\"tracer\", \"trace_id\", \"[h]uri=hep:homer\")\n",
            "route {\n  trace(\"h\", \"t\");\n  sl_send_reply(200, \"OK\");\n}\n");
        await using ManagedServer s = await ManagedServer.StartAsync(script);
        ToolResult ping = await s.PingAsync();
        Assert.Equal(0, ping.ExitCode);

        var packets = new List<Dictionary<int, byte[]>>();
        using var cts = new CancellationTokenSource(ManagedServer.Bound);
        while (packets.Count < 2)
        {
            UdpReceiveResult r = await capture.ReceiveAsync(cts.Token);
            packets.Add(Decode(r.Buffer));
        }

        Dictionary<int, byte[]> request = packets.Single(p => Encoding.ASCII.GetString(p[0x0f]).StartsWith("OPTIONS ", StringComparison.Ordinal));
        Dictionary<int, byte[]> reply = packets.Single(p => Encoding.ASCII.GetString(p[0x0f]).StartsWith("SIP/2.0 200", StringComparison.Ordinal));
        Assert.Equal(2, request[0x01][0]);          // IPv4
        Assert.Equal(17, request[0x02][0]);         // UDP
        Assert.Equal(new byte[] { 127, 0, 0, 1 }, request[0x03]);
        Assert.Equal(s.SipPort, BinaryPrimitives.ReadUInt16BigEndian(request[0x08])); // to the proxy
        Assert.Equal(s.SipPort, BinaryPrimitives.ReadUInt16BigEndian(reply[0x07]));   // from the proxy
        Assert.Equal(BinaryPrimitives.ReadUInt16BigEndian(request[0x07]), BinaryPrimitives.ReadUInt16BigEndian(reply[0x08]));
        Assert.Equal(1, request[0x0b][0]);          // SIP
        Assert.Equal(1234u, BinaryPrimitives.ReadUInt32BigEndian(request[0x0c]));
        uint seconds = BinaryPrimitives.ReadUInt32BigEndian(request[0x09]);
        Assert.InRange(seconds, (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        Assert.InRange(BinaryPrimitives.ReadUInt32BigEndian(request[0x0a]), 0u, 999_999u);
        string callId = Encoding.ASCII.GetString(request[0x11]);
        Assert.Contains("Call-ID: " + callId, Encoding.ASCII.GetString(request[0x0f]), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The same OPTIONS traced by Kamailio 5.6's siptrace (hep_mode_on, hep_version 3) and by Hyperproxy's tracer,
    /// each to its own UDP sink: the same generic chunks (vendor 0) in the same order with the same sizes and
    /// values where they must agree (family, protocol, addresses, payload type, capture id, the message). The
    /// legitimate difference: Hyperproxy adds the correlation id chunk (0x0011, the Call-ID), as OpenSIPS's tracer
    /// does; Kamailio 5.6's siptrace sends none. Kamailio sends HEP from its SIP socket; Hyperproxy from the
    /// script's socket=hep_udp:IP:PORT.
    /// </summary>
    [Fact]
    public async Task HepFromTheDeclaredSocketCarriesTheChunksKamailiosSiptraceSends()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"hp-hep-kam-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        using var kamailioSink = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var hyperproxySink = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int kamailioSinkPort = ((IPEndPoint)kamailioSink.Client.LocalEndPoint!).Port;
        int hyperproxySinkPort = ((IPEndPoint)hyperproxySink.Client.LocalEndPoint!).Port;
        int hepSocketPort = Ports.FreeUdpPort();
        try
        {
            using var kamailio = Hyperproxy.Tests.EndToEnd.KamailioPeer.Start(Hyperproxy.Tests.EndToEnd.KamailioPeer.ConfigHead
                + "loadmodule \"siptrace.so\"\n"
                + $"modparam(\"siptrace\", \"duplicate_uri\", \"sip:127.0.0.1:{kamailioSinkPort}\")\n"
                + "modparam(\"siptrace\", \"hep_mode_on\", 1)\nmodparam(\"siptrace\", \"hep_version\", 3)\n"
                + "modparam(\"siptrace\", \"hep_capture_id\", 1234)\nmodparam(\"siptrace\", \"trace_on\", 1)\nmodparam(\"siptrace\", \"trace_to_database\", 0)\n"
                + "request_route {\n  sip_trace();\n  sl_send_reply(\"200\", \"OK\");\n}\n", folder);
            string script = $"socket=hep_udp:127.0.0.1:{hepSocketPort}\n" + ManagedServer.Script(
                $"modparam(\"proto_hep\", \"hep_id\", \"[homer] 127.0.0.1:{hyperproxySinkPort}; transport=udp; version=3\")\n"
                + "modparam(\"proto_hep\", \"hep_capture_id\", 1234)\n"
                + "modparam(\"tracer\", \"trace_id\", \"[h]uri=hep:homer\")\n",
                "route {\n  trace(\"h\", \"m\");\n  sl_send_reply(200, \"OK\");\n}\n");
            await using ManagedServer s = await ManagedServer.StartAsync(script);

            Assert.Equal(0, (await s.SipsakAsync("-s", $"sip:ping@127.0.0.1:{kamailio.Port}")).ExitCode);
            Assert.Equal(0, (await s.PingAsync()).ExitCode);
            using var cts = new CancellationTokenSource(ManagedServer.Bound);
            UdpReceiveResult fromKamailio = await kamailioSink.ReceiveAsync(cts.Token);
            UdpReceiveResult fromHyperproxy = await hyperproxySink.ReceiveAsync(cts.Token);

            Assert.Equal(kamailio.Port, fromKamailio.RemoteEndPoint.Port);
            Assert.Equal(new IPEndPoint(IPAddress.Loopback, hepSocketPort), fromHyperproxy.RemoteEndPoint);
            List<(int Vendor, int Type, byte[] Value)> k = Chunks(fromKamailio.Buffer);
            List<(int Vendor, int Type, byte[] Value)> h = Chunks(fromHyperproxy.Buffer);
            Assert.All(k, c => Assert.Equal(0, c.Vendor));
            Assert.All(h, c => Assert.Equal(0, c.Vendor));
            int[] kamailioTypes = [.. k.Select(c => c.Type)];
            Assert.Equal([0x01, 0x02, 0x03, 0x04, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0f], kamailioTypes);
            Assert.Equal([.. kamailioTypes, 0x11], h.Select(c => c.Type).ToArray());
            foreach ((int _, int type, byte[] value) in k)
            {
                byte[] ours = h.Single(c => c.Type == type).Value;
                if (type != 0x0f)
                    Assert.Equal(value.Length, ours.Length);
                if (type is 0x01 or 0x02 or 0x03 or 0x04 or 0x0b or 0x0c)
                    Assert.Equal(value, ours);
            }

            Assert.Equal(kamailio.Port, BinaryPrimitives.ReadUInt16BigEndian(k.Single(c => c.Type == 0x08).Value));
            Assert.Equal(s.SipPort, BinaryPrimitives.ReadUInt16BigEndian(h.Single(c => c.Type == 0x08).Value));
            Assert.StartsWith("OPTIONS sip:ping@127.0.0.1", Encoding.ASCII.GetString(k.Single(c => c.Type == 0x0f).Value), StringComparison.Ordinal);
            Assert.StartsWith("OPTIONS sip:ping@127.0.0.1", Encoding.ASCII.GetString(h.Single(c => c.Type == 0x0f).Value), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("modparam(\"proto_hep\", \"hep_id\", \"[homer] 127.0.0.1:9060; transport=tcp; version=3\")\n", "transport=tcp: HEP over TCP is not built")]
    [InlineData("modparam(\"proto_hep\", \"hep_id\", \"[homer] 127.0.0.1:9060; transport=tls; version=3\")\n", "transport=tls: HEP over TLS is not built")]
    [InlineData("socket=hep_tcp:127.0.0.1:9061\n", "HEP over TCP is not built")]
    public async Task HepOverTcpOrTlsIsRefusedAtStartUpNamingIt(string line, string message)
    {
        string script = (line.StartsWith("socket", StringComparison.Ordinal) ? line : "")
            + ManagedServer.Script(line.StartsWith("socket", StringComparison.Ordinal) ? "" : line);
        string directory = Path.Combine(Path.GetTempPath(), $"hp-hep-bad-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            string config = Path.Combine(directory, "s.cfg");
            await File.WriteAllTextAsync(config, script.Replace("{DIR}", directory, StringComparison.Ordinal));
            ToolResult r = await ToolRun.RunAsync("dotnet", [HyperproxyProcess.DllPath, "run", "--config", config, "--data-dir", directory, "--listen", $"udp:127.0.0.1:{Ports.FreeUdpPort()}"], ManagedServer.Bound);
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains(message, r.All, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static List<(int Vendor, int Type, byte[] Value)> Chunks(byte[] packet)
    {
        Assert.Equal("HEP3", Encoding.ASCII.GetString(packet, 0, 4));
        Assert.Equal(packet.Length, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(4)));
        var chunks = new List<(int, int, byte[])>();
        for (int at = 6; at < packet.Length;)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(at + 4));
            Assert.InRange(length, 6, packet.Length - at);
            chunks.Add((BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(at)), BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(at + 2)), packet.AsSpan(at + 6, length - 6).ToArray()));
            at += length;
        }

        return chunks;
    }

    /// <summary>trace("h", "t") before t_relay(): the request as received, the relayed branch as sent, the reply
    /// the callee sent as received and the reply relayed upstream as sent: four HEP packets, one transaction.</summary>
    [Fact]
    public async Task TransactionScopeTracesTheRequestItsBranchAndBothSidesOfTheReply()
    {
        int hepPort = Ports.FreeUdpPort();
        using var capture = new UdpClient(new IPEndPoint(IPAddress.Loopback, hepPort));
        string script = ManagedServer.Script(
            "loadmodule \"tm.so\"\n"
            + $"modparam(\"proto_hep\", \"hep_id\", \"[homer] 127.0.0.1:{hepPort}; transport=udp; version=3\")\n"
            + "modparam(\"tracer\", \"trace_id\", \"[h]uri=hep:homer\")\n",
            "route {\n  trace(\"h\", \"t\");\n  t_relay();\n}\n");
        await using ManagedServer s = await ManagedServer.StartAsync(script);
        using var caller = UdpPeer.V4();
        using var callee = UdpPeer.V4();
        var proxy = new IPEndPoint(IPAddress.Loopback, s.SipPort);
        caller.Send(SipText.Options($"sip:bob@127.0.0.1:{callee.Port}", caller, "scope-t@test"), proxy);
        string relayed = await callee.ExpectAsync("the relayed OPTIONS", ManagedServer.Bound);
        string reply = "SIP/2.0 200 OK\r\n"
            + string.Concat(SipText.Headers(relayed, "Via").Select(v => "Via: " + v + "\r\n"))
            + $"From: {SipText.Headers(relayed, "From")[0]}\r\nTo: {SipText.Headers(relayed, "To")[0]};tag=callee\r\n"
            + $"Call-ID: {SipText.Headers(relayed, "Call-ID")[0]}\r\nCSeq: {SipText.Headers(relayed, "CSeq")[0]}\r\nContent-Length: 0\r\n\r\n";
        callee.Send(reply, proxy);
        Assert.Equal(200, SipText.StatusCode(await caller.ExpectAsync("the relayed 200", ManagedServer.Bound)));

        var packets = new List<Dictionary<int, byte[]>>();
        using var cts = new CancellationTokenSource(ManagedServer.Bound);
        while (packets.Count < 4)
            packets.Add(Decode((await capture.ReceiveAsync(cts.Token)).Buffer));
        (string First, int From, int To)[] seen = [.. packets.Select(p => (Encoding.ASCII.GetString(p[0x0f]).Split("\r\n")[0],
            (int)BinaryPrimitives.ReadUInt16BigEndian(p[0x07]), (int)BinaryPrimitives.ReadUInt16BigEndian(p[0x08])))];
        Assert.Contains(seen, x => x.First.StartsWith("OPTIONS ", StringComparison.Ordinal) && x.From == caller.Port && x.To == s.SipPort);
        Assert.Contains(seen, x => x.First.StartsWith("OPTIONS ", StringComparison.Ordinal) && x.From == s.SipPort && x.To == callee.Port);
        Assert.Contains(seen, x => x.First == "SIP/2.0 200 OK" && x.From == callee.Port && x.To == s.SipPort);
        Assert.Contains(seen, x => x.First == "SIP/2.0 200 OK" && x.From == s.SipPort && x.To == caller.Port);
        Assert.All(packets, p => Assert.Equal("scope-t@test", Encoding.ASCII.GetString(p[0x11])));
    }

    [Fact]
    public async Task DialogScopeIsRefusedAtStartUpBecauseThereIsNoDialogModule()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"hp-hep-d-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            string config = Path.Combine(directory, "s.cfg");
            await File.WriteAllTextAsync(config, ManagedServer.Script(route: "route {\n  trace(\"tid\", \"d\");\n  sl_send_reply(200, \"OK\");\n}\n").Replace("{DIR}", directory, StringComparison.Ordinal));
            ToolResult r = await ToolRun.RunAsync("dotnet", [HyperproxyProcess.DllPath, "run", "--config", config, "--data-dir", directory, "--listen", $"udp:127.0.0.1:{Ports.FreeUdpPort()}"], ManagedServer.Bound);
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("scope 'd' needs the dialog", r.All, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task APcapDestinationWritesWhatTcpdumpsReaderTakes()
    {
        string script = ManagedServer.Script("modparam(\"tracer\", \"trace_id\", \"[p]uri=pcap:{DIR}/sip.pcap\")\n",
            "route {\n  trace(\"p\", \"t\");\n  sl_send_reply(200, \"OK\");\n}\n");
        string pcap;
        await using (ManagedServer s = await ManagedServer.StartAsync(script))
        {
            Assert.Equal(0, (await s.PingAsync()).ExitCode);
            await s.WaitStatAsync("tracer:traced_messages", 2);
            JsonNodeTrace state = new((await s.MiAsync("trace"))!.ToJsonString());
            pcap = state.PcapPath();
            Assert.True(File.Exists(pcap), pcap);
            byte[] bytes = await File.ReadAllBytesAsync(pcap);
            // pcap header: magic, version 2.4, snaplen, link type RAW (101); then records of IPv4 + UDP + SIP.
            Assert.Equal(0xa1b2c3d4u, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
            Assert.Equal(101u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(20)));
            int at = 24;
            var payloads = new List<string>();
            while (at < bytes.Length)
            {
                int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8));
                ReadOnlySpan<byte> ip = bytes.AsSpan(at + 16, length);
                Assert.Equal(0x45, ip[0]);
                Assert.Equal(17, ip[9]);
                Assert.Equal(length, BinaryPrimitives.ReadUInt16BigEndian(ip[2..]));
                payloads.Add(Encoding.ASCII.GetString(ip[28..]));
                at += 16 + length;
            }

            Assert.Contains(payloads, p => p.StartsWith("OPTIONS ", StringComparison.Ordinal));
            Assert.Contains(payloads, p => p.StartsWith("SIP/2.0 200 OK", StringComparison.Ordinal));
        }
    }

    private sealed record JsonNodeTrace(string Json)
    {
        public string PcapPath()
        {
            var ids = (System.Text.Json.Nodes.JsonArray)System.Text.Json.Nodes.JsonNode.Parse(Json)!["trace_ids"]!;
            string uri = (string)ids.First(i => (string)i!["id"]! == "p")!["uri"]!;
            return uri["pcap:".Length..];
        }
    }

    /// <summary>HEPv3 by its definition: "HEP3", total length, then (vendor, type, length incl. header, payload) chunks.</summary>
    private static Dictionary<int, byte[]> Decode(byte[] packet)
    {
        Assert.Equal("HEP3", Encoding.ASCII.GetString(packet, 0, 4));
        Assert.Equal(packet.Length, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(4)));
        var chunks = new Dictionary<int, byte[]>();
        int at = 6;
        while (at < packet.Length)
        {
            Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(at)));
            int type = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(at + 2));
            int length = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(at + 4));
            Assert.InRange(length, 6, packet.Length - at);
            chunks[type] = packet.AsSpan(at + 6, length - 6).ToArray();
            at += length;
        }

        Assert.Equal(packet.Length, at);
        return chunks;
    }
}
