using System.Text;
using Hyperproxy.Testing;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Proxy;

/// <summary>
/// Datagram in → script → edits → datagram out through the in-memory batch I/O, with the rig and the
/// messages the Pipeline benchmark measures: what it sends is right, and a worker turn allocates nothing.
/// </summary>
public sealed class PipelineTests
{
    private static byte[] Corpus(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Corpus", name));

    private static PipelineRig Rig(string scenario) => scenario switch
    {
        "options" => PipelineRig.Options(),
        "register" => PipelineRig.Register(Corpus),
        _ => PipelineRig.Invite(Corpus),
    };

    private static string Text(DatagramBatch batch, int i) => Encoding.ASCII.GetString(batch.Payload(i));

    [Fact]
    public void OptionsForTheProxyIsAnswered200ToTheClient()
    {
        using PipelineRig rig = PipelineRig.Options();
        Assert.Equal(PipelineRig.Batch, rig.RunBatch());
        for (int i = 0; i < PipelineRig.Batch; i++)
        {
            Assert.StartsWith("SIP/2.0 200 OK\r\n", Text(rig.Io.Sent, i), StringComparison.Ordinal);
            Assert.Equal(PipelineRig.Client, rig.Io.Sent.Peer(i));
        }
    }

    [Fact]
    public void RegisterIsSavedAndAnswered200WithItsBindingEveryTime()
    {
        using PipelineRig rig = PipelineRig.Register(Corpus);
        for (int turn = 0; turn < 2; turn++)
        {
            Assert.Equal(PipelineRig.Batch, rig.RunBatch());
            for (int i = 0; i < PipelineRig.Batch; i++)
            {
                string reply = Text(rig.Io.Sent, i);
                Assert.StartsWith("SIP/2.0 200 OK\r\n", reply, StringComparison.Ordinal);
                Assert.Contains("Contact: <sip:bob@192.0.2.4>;expires=7200\r\n", reply, StringComparison.Ordinal);
                Assert.Equal(PipelineRig.Client.WithPort(5060), rig.Io.Sent.Peer(i)); // Via port, received address
            }
        }
    }

    [Fact]
    public void InviteIsForwardedToTheRequestUriHostWithOurViaAndItsBody()
    {
        using PipelineRig rig = PipelineRig.Invite(Corpus);
        Assert.Equal(PipelineRig.Batch, rig.RunBatch());
        for (int i = 0; i < PipelineRig.Batch; i++)
        {
            string fwd = Text(rig.Io.Sent, i);
            Assert.Equal(PipelineRig.Biloxi, rig.Io.Sent.Peer(i));
            Assert.StartsWith("INVITE sip:bob@biloxi.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK", fwd, StringComparison.Ordinal);
            Assert.Contains("Via: SIP/2.0/UDP pc33.atlanta.com;received=127.0.0.9;branch=z9hG4bK776asdhds\r\n", fwd, StringComparison.Ordinal);
            Assert.Contains("Max-Forwards: 69\r\n", fwd, StringComparison.Ordinal);
            Assert.EndsWith("a=rtpmap:0 PCMU/8000\r\n", fwd, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("options", "SIP/2.0 200 OK")]
    [InlineData("register", "SIP/2.0 200 OK")]
    [InlineData("invite", "INVITE sip:bob@biloxi.com SIP/2.0")]
    public void AWorkerTurnAllocatesNothing(string scenario, string startLine)
    {
        using PipelineRig rig = Rig(scenario);
        for (int warm = 0; warm < 50; warm++)
        {
            rig.RunBatch();
        }

        long before = rig.Io.SentTotal;
        long allocated = Allocations.Least(() =>
        {
            for (int turn = 0; turn < 200; turn++)
            {
                rig.RunBatch();
            }
        });
        Assert.Equal(0, allocated);
        Assert.True(rig.Io.SentTotal - before >= 200 * PipelineRig.Batch); // every message of every round went out
        Assert.StartsWith(startLine + "\r\n", Text(rig.Io.Sent, PipelineRig.Batch - 1), StringComparison.Ordinal); // and still the right thing
    }
}
