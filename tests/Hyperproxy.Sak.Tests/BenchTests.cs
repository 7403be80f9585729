using System.Diagnostics;
using System.Text.Json;
using Hyperproxy.Sak.Bench;

namespace Hyperproxy.Sak.Tests;

public sealed class BenchTests
{
    [Fact]
    public void TemplateCarriesTheSequenceNumberInTheBranchAndReadsItBack()
    {
        RequestTemplate t = RequestTemplate.Options("sip:127.0.0.1:5060", "127.0.0.1:4000", "c@h");
        byte[] slot = new byte[2048];
        int n = t.Write(slot, 0xabc123UL, 42, 0);
        string text = System.Text.Encoding.ASCII.GetString(slot, 0, n);
        Assert.Contains("branch=z9hG4bK-hs0000000000abc123;rport", text, StringComparison.Ordinal);
        Assert.Contains("CSeq: 0000000042 OPTIONS", text, StringComparison.Ordinal);
        Assert.True(RequestTemplate.TryReadSeq(slot.AsSpan(0, n), out ulong seq));
        Assert.Equal(0xabc123UL, seq);
    }

    [Fact]
    public void RegisterTemplatePutsTheUserNumberInAorCallIdAndContact()
    {
        RequestTemplate t = RequestTemplate.Register("127.0.0.1:5060", "127.0.0.1:4000", "127.0.0.1:5060", 3, 3600, ["sip:edge;lr"]);
        byte[] slot = new byte[2048];
        string text = System.Text.Encoding.ASCII.GetString(slot, 0, t.Write(slot, 1, 7, 42));
        Assert.Contains("To: <sip:u042@127.0.0.1:5060>", text, StringComparison.Ordinal);
        Assert.Contains("Call-ID: hsreg-042@hypersak", text, StringComparison.Ordinal);
        Assert.Contains("Contact: <sip:u042@127.0.0.1:5060>", text, StringComparison.Ordinal);
        Assert.Contains("Path: <sip:edge;lr>", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WritingATemplateAllocatesNothing()
    {
        RequestTemplate t = RequestTemplate.Options("sip:127.0.0.1:5060", "127.0.0.1:4000", "c@h");
        byte[] slot = new byte[2048];
        t.Write(slot, 1, 1, 0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            t.Write(slot, (ulong)i, i, 0);
            t.Patch(slot, (ulong)i + 1, i, 0);
            RequestTemplate.TryReadSeq(slot, out _);
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void CountLimitedBenchAgainstTheReflectorGetsEveryRequestAnswered()
    {
        string reflector = Reflector.Path;
        int port = Peers.FreeUdpPort();
        using Process p = Process.Start(new ProcessStartInfo(reflector, $"-l 127.0.0.1 -p {port} -r -t 60")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        try
        {
            Assert.True(Peers.WaitAnswering(port), "reflector did not answer");
            var (code, output, error) = Peers.Sak("bench", "--target", $"127.0.0.1:{port}", "--count", "20000", "--window", "128", "--json");
            Assert.True(code == 0, output + error);
            using JsonDocument json = JsonDocument.Parse(output);
            JsonElement r = json.RootElement;
            Assert.Equal(20000, r.GetProperty("sent").GetInt64());
            Assert.Equal(20000, r.GetProperty("received").GetInt64());
            Assert.Equal(20000, r.GetProperty("by_class").GetProperty("2xx").GetInt64());
            Assert.Equal(20000, r.GetProperty("by_status").GetProperty("200").GetInt64());
            Assert.Equal(0, r.GetProperty("timeouts").GetInt64());
            Assert.True(r.GetProperty("p50_us").GetDouble() > 0);
            Assert.Contains("machine:", error, StringComparison.Ordinal);
        }
        finally
        {
            p.Kill();
            p.WaitForExit(5000);
        }
    }

    [Fact]
    public void PatchingAFilledSlotGivesTheSameBytesAsWritingIt()
    {
        RequestTemplate t = RequestTemplate.Register("127.0.0.1:5060", "127.0.0.1:4000", "127.0.0.1:5060", 4, 60, []);
        byte[] written = new byte[2048], patched = new byte[2048];
        t.Write(patched, 1, 1, 1);
        int n = t.Write(written, 0xfeed, 123456, 4321);
        t.Patch(patched, 0xfeed, 123456, 4321);
        Assert.Equal(written.AsSpan(0, n).ToArray(), patched.AsSpan(0, n).ToArray());
    }

    [Fact]
    public void BenchAgainstAClosedPortEndsWithTimeoutsAndExitsOne()
    {
        int closed = Peers.FreeUdpPort();
        var (code, output, error) = Peers.Sak("bench", "--target", $"127.0.0.1:{closed}", "--count", "500", "--window", "16", "--timeout-ms", "200", "--json");
        Assert.True(code == 1, output + error);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(0, json.RootElement.GetProperty("received").GetInt64());
    }
}
