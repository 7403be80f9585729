using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Hyperproxy.Sak.Tests;

/// <summary>native/streamgen and native/streamreflector (run-bench.sh's stream rows), built once, with a certificate openssl makes.</summary>
public sealed class StreamNative : IDisposable
{
    public StreamNative()
    {
        Dir = Path.Combine(Path.GetTempPath(), "hp-streamgen-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var configure = Peers.Exec("cmake", $"-S {Path.Combine(Peers.RepoRoot, "native")} -B {Dir} -DCMAKE_BUILD_TYPE=Release", 120_000);
        Assert.True(configure.Code == 0, "cmake configure: " + configure.Err);
        var build = Peers.Exec("cmake", $"--build {Dir} --target streamgen streamreflector", 120_000);
        Assert.True(build.Code == 0, "cmake build: " + build.Out + build.Err);
        var cert = Peers.Exec("openssl", $"req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout {Key} -out {Certificate} "
            + "-days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1", 60_000);
        Assert.True(cert.Code == 0, "openssl: " + cert.Err);
    }

    public string Dir { get; }

    public string Streamgen => Path.Combine(Dir, "streamgen");

    public string Reflector => Path.Combine(Dir, "streamreflector");

    public string Certificate => Path.Combine(Dir, "cert.pem");

    public string Key => Path.Combine(Dir, "key.pem");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// streamgen against the C stream reflector: every request of a pipelined window is matched to its echo or 200 over
/// TCP and TLS, handshake sessions end with their 200, idle connections are held and answer CRLF pings. Outcomes only,
/// no figure.
/// </summary>
public sealed class StreamgenTests : IClassFixture<StreamNative>
{
    private readonly StreamNative _native;

    public StreamgenTests(StreamNative native) => _native = native;

    [Fact]
    public void PipelinedOptionsOverTcpAreEachMatchedToTheirEcho()
    {
        using ReflectorRun reflector = StartReflector(out int port);
        JsonElement r = Run("-t", $"127.0.0.1:{port}", "-n", "4", "-w", "8", "-W", "0.1", "-d", "0.5", "--no-busy");

        long received = r.GetProperty("received").GetInt64();
        Assert.True(received > 0, r.ToString());
        Assert.True(received == r.GetProperty("by_class").GetProperty("echo").GetInt64(), r.ToString());
        AssertNoLoss(r);
    }

    [Fact]
    public void PipelinedOptionsOverTlsAreEachAnsweredWith200()
    {
        using ReflectorRun reflector = StartReflector(out int port, "-r", "--tls", "--cert", _native.Certificate, "--key", _native.Key);
        JsonElement r = Run("--tls", "-t", $"127.0.0.1:{port}", "-n", "2", "-w", "16", "-W", "0.2", "-d", "0.5", "--no-busy");

        long received = r.GetProperty("received").GetInt64();
        Assert.True(received > 0, r.ToString());
        Assert.True(received == r.GetProperty("by_class").GetProperty("2xx").GetInt64(), r.ToString());
        Assert.Equal("tls", r.GetProperty("transport").GetString());
        AssertNoLoss(r);
    }

    [Fact]
    public void EveryHandshakeSessionEndsWithItsOptionsAnswered()
    {
        using ReflectorRun reflector = StartReflector(out int port, "-r", "--tls", "--cert", _native.Certificate, "--key", _native.Key);
        JsonElement r = Run("-s", "handshake", "--tls", "-t", $"127.0.0.1:{port}", "-n", "4", "-W", "0.1", "-d", "0.5",
            "--sources", "127.0.0.2-127.0.0.5", "-T", "20000");

        Assert.True(r.GetProperty("handshakes").GetInt64() > 0, r.ToString());
        Assert.True(r.GetProperty("by_class").GetProperty("2xx").GetInt64() > 0, r.ToString());
        Assert.True(r.GetProperty("tls_errors").GetInt64() == 0, r.ToString());
        Assert.True(r.GetProperty("handshake_p50_us").GetDouble() > 0, r.ToString());
    }

    [Fact]
    public void IdleConnectionsAreAllHeldAndTheSampleAnswersItsPings()
    {
        using ReflectorRun reflector = StartReflector(out int port, "-r");
        JsonElement r = Run("-s", "idle", "-t", $"127.0.0.1:{port}", "-n", "300", "--warm", "100", "--ping", "50",
            "--settle-ms", "100", "--sources", "127.0.0.2-127.0.0.4", "-d", "60", "-T", "20000",
            "--cpu-pids", reflector.Pid.ToString(CultureInfo.InvariantCulture));

        Assert.Equal(300, r.GetProperty("idle_open").GetInt64());
        Assert.Equal(50, r.GetProperty("pings").GetInt64());
        Assert.Equal(50, r.GetProperty("pongs").GetInt64());
        Assert.Equal(0, r.GetProperty("closed_by_peer").GetInt64());
        Assert.True(r.GetProperty("server_rss_kb_end").GetInt64() > 0, r.ToString());
    }

    private static void AssertNoLoss(JsonElement r)
    {
        foreach (string zero in new[] { "timeouts", "unanswered_at_end", "unmatched", "late", "send_errors", "connect_errors", "closed_by_peer" })
        {
            Assert.True(r.GetProperty(zero).GetInt64() == 0, zero + ": " + r);
        }
    }

    private JsonElement Run(params string[] args)
    {
        var (code, output, error) = Peers.Exec(_native.Streamgen, string.Join(' ', args), 90_000);
        Assert.True(code == 0, output + error);
        using JsonDocument json = JsonDocument.Parse(output);
        return json.RootElement.Clone();
    }

    /// <summary>The reflector on a free TCP port, listening once it returns (stopped with the returned process).</summary>
    private ReflectorRun StartReflector(out int port, params string[] extra)
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }

            var psi = new ProcessStartInfo(_native.Reflector) { UseShellExecute = false, RedirectStandardError = true };
            foreach (string a in (string[])["-p", port.ToString(CultureInfo.InvariantCulture), "-t", "120", .. extra])
                psi.ArgumentList.Add(a);
            Process p = Process.Start(psi)!;
            p.ErrorDataReceived += (_, _) => { };
            p.BeginErrorReadLine();
            for (int i = 0; i < 100 && !p.HasExited; i++)
            {
                try
                {
                    using var client = new TcpClient();
                    client.Connect(IPAddress.Loopback, port);
                    return new ReflectorRun(p);
                }
                catch (SocketException)
                {
                    p.WaitForExit(50);
                }
            }

            Peers.Stop(p);
        }

        throw new InvalidOperationException("streamreflector did not start listening");
    }

    /// <summary>A started reflector; disposing it stops that process (by its PID, with Peers.Stop).</summary>
    private sealed class ReflectorRun(Process process) : IDisposable
    {
        public int Pid => process.Id;

        public void Dispose() => Peers.Stop(process);
    }
}
