using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>An external peer (SIPp, Kamailio) run with a bounded wait; output collected for the assertion message.</summary>
internal sealed class PeerProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    public PeerProcess(string file, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Waits until the output holds <paramref name="text"/>: a peer that keeps running (Kamailio) may have
    /// written a line that our reader has not appended yet when the exchange it logs is already over.
    /// False when it did not appear in time.
    /// </summary>
    public bool WaitForOutput(string text, int milliseconds)
    {
        long deadline = Environment.TickCount64 + milliseconds;
        lock (_output)
        {
            while (!_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0)
                {
                    return false;
                }

                Monitor.Wait(_output, (int)left);
            }

            return true;
        }
    }

    public int Id => _process.Id;

    /// <summary>Waits for the exit; -999 when it did not end in time (then it is killed).</summary>
    public int WaitForExit(int milliseconds)
    {
        if (!_process.WaitForExit(milliseconds))
        {
            _process.Kill(entireProcessTree: true);
            return -999;
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
            Monitor.PulseAll(_output);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }

    /// <summary>A UDP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
