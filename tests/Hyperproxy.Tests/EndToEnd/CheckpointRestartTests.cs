using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>
/// The registrar in the real server process with <c>--durability checkpoint</c>: a clean stop (SIGTERM,
/// final checkpoint) keeps every binding; a SIGKILL loses at most what was written after the start of the
/// last completed checkpoint (the documented window), and never brings back something never registered.
/// </summary>
public sealed class CheckpointRestartTests : IDisposable
{
    private const int Bindings = 200;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hp-reg-ckpt-" + Guid.NewGuid().ToString("N"));

    private readonly ITestOutputHelper _log;

    public CheckpointRestartTests(ITestOutputHelper log)
    {
        _log = log;
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // FASTER's hybrid-log checkpoints: one folder per checkpoint token, metadata in info.dat.0.
    private string CheckpointFolder => Path.Combine(_dir, "data", "location", "checkpoints", "cpr-checkpoints");

    private static string Script(int port) => RegisterClient.RegistrarScript(port, """
                sl_send_reply(404, "Not Found");
            """);

    [Fact]
    public void CleanStopWithSigtermKeepsEveryBinding()
    {
        using var client = Client();
        using (ServerProcess first = StartServer())
        {
            var server = new IPEndPoint(IPAddress.Loopback, first.Port);
            for (int i = 0; i < Bindings; i++)
            {
                Assert.StartsWith("SIP/2.0 200 OK", RegisterClient.Exchange(client, server, RegisterClient.Register("ckpt", i, withContact: true, cseq: 1)), StringComparison.Ordinal);
            }

            Assert.True(first.Terminate(30_000) == 0, "server did not stop cleanly:\n" + first.Output);
        }

        // The restart may get another port: bindings are per AoR, not per listening socket.
        using ServerProcess second = StartServer();
        var restarted = new IPEndPoint(IPAddress.Loopback, second.Port);
        Assert.Contains($"loaded {Bindings} AoRs, {Bindings} contacts", second.Output, StringComparison.Ordinal);
        for (int i = 0; i < Bindings; i++)
        {
            Assert.True(IsFound(client, restarted, i), $"u{i} lost after a clean stop:\n" + second.Output);
        }
    }

    [Fact]
    public void SigkillLosesOnlyWritesAfterTheLastCompletedCheckpoint()
    {
        using var client = Client();
        int late = 0;
        using (ServerProcess first = StartServer())
        {
            var server = new IPEndPoint(IPAddress.Loopback, first.Port);
            // Batch A, acknowledged before any of the checkpoints waited for below started.
            for (int i = 0; i < Bindings; i++)
            {
                Assert.StartsWith("SIP/2.0 200 OK", RegisterClient.Exchange(client, server, RegisterClient.Register("ckpt", i, withContact: true, cseq: 1)), StringComparison.Ordinal);
            }

            // Keep registering batch B (so every checkpoint interval has changes to take) until two
            // checkpoints complete after A: the second began after the first ended, so after A was
            // acknowledged, and holds all of A. A checkpoint is complete once its metadata (info.dat) is written.
            var seen = new HashSet<string>(CompletedCheckpoints(), StringComparer.Ordinal);
            int fresh = 0;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (fresh < 2 && clock.ElapsedMilliseconds < 30_000 && late < 100_000)
            {
                Assert.StartsWith("SIP/2.0 200 OK", RegisterClient.Exchange(client, server, RegisterClient.Register("ckpt", Bindings + late, withContact: true, cseq: 1)), StringComparison.Ordinal);
                late++;
                foreach (string checkpoint in CompletedCheckpoints())
                {
                    if (seen.Add(checkpoint))
                    {
                        fresh++;
                    }
                }
            }

            Assert.True(fresh >= 2, $"no two checkpoints completed within 30 s ({fresh}, {late} late REGISTERs):\n" + first.Output);
            first.Crash();
        }

        using ServerProcess second = StartServer();
        var restarted = new IPEndPoint(IPAddress.Loopback, second.Port);
        long loaded = LoadedAors(second.Output);
        _log.WriteLine($"acknowledged {Bindings} + {late} AoRs, {loaded} recovered after SIGKILL");
        Assert.InRange(loaded, Bindings, Bindings + late);
        for (int i = 0; i < Bindings; i++)
        {
            Assert.True(IsFound(client, restarted, i), $"u{i} (acknowledged before a completed checkpoint) lost:\n" + second.Output);
        }

        // Found ⊆ registered: users past the last one registered are unknown.
        for (int i = Bindings + late; i < Bindings + late + 20; i++)
        {
            Assert.False(IsFound(client, restarted, i), $"u{i} was never registered but is found");
        }
    }

    private ServerProcess StartServer() => ServerProcess.StartScript(Script, _dir, "checkpoint");

    /// <summary>Tokens of the hybrid-log checkpoints whose metadata is written (FASTER writes it once the log is flushed).</summary>
    private List<string> CompletedCheckpoints()
    {
        var names = new List<string>();
        if (!Directory.Exists(CheckpointFolder))
        {
            return names;
        }

        try
        {
            foreach (string info in Directory.EnumerateFiles(CheckpointFolder, "info.dat*", SearchOption.AllDirectories))
            {
                names.Add(Path.GetRelativePath(CheckpointFolder, Path.GetDirectoryName(info)!));
            }
        }
        catch (DirectoryNotFoundException)
        {
            // an outdated checkpoint was removed while we listed: the next poll sees the rest
        }

        return names;
    }

    private static long LoadedAors(string output)
    {
        const string marker = "location store: loaded ";
        int at = output.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, "no recovery report:\n" + output);
        int end = output.IndexOf(' ', at + marker.Length);
        return long.Parse(output.AsSpan(at + marker.Length, end - at - marker.Length), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static UdpClient Client()
    {
        var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Client.ReceiveTimeout = 2000;
        return client;
    }

    /// <summary>A query REGISTER (no Contact): the binding is listed in the 200 OK when it is stored.</summary>
    private static bool IsFound(UdpClient client, IPEndPoint server, int user)
    {
        string reply = RegisterClient.Exchange(client, server, RegisterClient.Register("ckpt", user, withContact: false, cseq: 2));
        Assert.StartsWith("SIP/2.0 200 OK", reply, StringComparison.Ordinal);
        return reply.Contains($"Contact: <sip:u{user}@127.0.0.1:{5000 + (user % 50000)}>;expires=", StringComparison.Ordinal);
    }
}
