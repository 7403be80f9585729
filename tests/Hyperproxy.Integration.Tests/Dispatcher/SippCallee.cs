using System.Diagnostics;
using System.Globalization;
using Hyperproxy.Integration.Tests.Infrastructure;

namespace Hyperproxy.Integration.Tests.Dispatcher;

/// <summary>
/// A SIPp callee (Tm/uas-answer.xml) that answers calls until it is stopped (SIGINT), with <c>-aa</c> so that
/// OPTIONS probes get a 200. Its message trace tells which calls reached it: the Request-URI users of the
/// INVITEs it received (each call's user is unique, so retransmissions count once).
/// </summary>
internal sealed class SippCallee : IAsyncDisposable
{
    private readonly Process _process;

    private SippCallee(Process process, int port, string messages)
    {
        _process = process;
        Port = port;
        MessageFile = messages;
    }

    public int Port { get; }

    public string MessageFile { get; }

    public bool HasExited => _process.HasExited;

    public static async Task<SippCallee> StartAsync(string folder, string name, int port)
    {
        string messages = Path.Combine(folder, name + ".msg");
        var info = new ProcessStartInfo("sipp")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        foreach (string a in new[]
        {
            "-sf", SippRun.Scenario("Tm/uas-answer.xml"), "-i", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture),
            "-aa", "-nostdin", "-timeout", "300s", "-trace_msg", "-message_file", messages,
        })
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info)!;
        process.StandardInput.Close();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var callee = new SippCallee(process, port, messages);
        Assert.True(await SippRun.WaitListeningAsync(port, () => process.HasExited), $"the SIPp callee on {port} exited before it was listening");

        return callee;
    }

    /// <summary>Stops SIPp (SIGINT, then SIGKILL after 10 s) so that its trace is complete.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        Posix.Signal(_process.Id, Posix.SigInt);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
    }

    /// <summary>The distinct Request-URI users of the INVITEs received so far whose user starts with <paramref name="prefix"/>.</summary>
    public int Invites(string prefix)
    {
        if (!File.Exists(MessageFile))
        {
            return 0;
        }

        var users = new HashSet<string>(StringComparer.Ordinal);
        string text;
        using (var stream = new FileStream(MessageFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(stream))
        {
            text = reader.ReadToEnd();
        }

        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith("INVITE sip:" + prefix, StringComparison.Ordinal))
            {
                int at = line.IndexOf('@', StringComparison.Ordinal);
                if (at > 0)
                {
                    users.Add(line[11..at]);
                }
            }
        }

        return users.Count;
    }

    /// <summary>How many OPTIONS probes reached it.</summary>
    public int Options()
    {
        if (!File.Exists(MessageFile))
        {
            return 0;
        }

        using var stream = new FileStream(MessageFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        int n = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith("OPTIONS ", StringComparison.Ordinal))
            {
                n++;
            }
        }

        return n;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }
}
