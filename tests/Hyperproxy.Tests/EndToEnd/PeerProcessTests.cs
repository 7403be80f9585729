namespace Hyperproxy.Tests.EndToEnd;

/// <summary>Waiting for a peer's log line waits for the line itself, bounded, while the peer runs on.</summary>
public sealed class PeerProcessTests
{
    [Fact]
    public void WaitForOutputSeesALineThePeerWritesLaterWhileItKeepsRunning()
    {
        // The line comes only after the peer has been told to write it (a file appears), as Kamailio logs an
        // INVITE some time after the test's own side of the exchange is over.
        string go = Path.Combine(Path.GetTempPath(), "hp-peer-" + Guid.NewGuid().ToString("N"));
        using var peer = new PeerProcess("/bin/sh", ["-c", $"echo first; while [ ! -e {go} ]; do sleep 0.01; done; echo 'the late line'; exec sleep 60"]);
        try
        {
            Assert.True(peer.WaitForOutput("first", 30_000), peer.Output);
            Assert.DoesNotContain("the late line", peer.Output, StringComparison.Ordinal);
            File.WriteAllText(go, "");
            Assert.True(peer.WaitForOutput("the late line", 30_000), peer.Output);
            Assert.False(peer.HasExited);
        }
        finally
        {
            File.Delete(go);
        }
    }

    [Fact]
    public void WaitForOutputGivesUpAfterItsBoundWhenTheLineNeverComes()
    {
        using var peer = new PeerProcess("/bin/sh", ["-c", "echo something else; exec sleep 60"]);
        Assert.True(peer.WaitForOutput("something else", 30_000), peer.Output);
        Assert.False(peer.WaitForOutput("never written", 100));
    }
}
