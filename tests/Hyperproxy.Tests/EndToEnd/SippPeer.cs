using System.Globalization;

namespace Hyperproxy.Tests.EndToEnd;

/// <summary>What the end-to-end call tests share: SIPp runs with message traces, free and bound ports.</summary>
internal static class SippPeer
{
    /// <summary>One SIPp run of one call on 127.0.0.1, bounded by its own 20 s timeout, tracing into <paramref name="dir"/>.</summary>
    public static PeerProcess Start(string dir, string name, string[] arguments) => new("sipp",
        [.. arguments, "-i", "127.0.0.1", "-m", "1", "-timeout", "20s", "-timeout_error", "-trace_err",
            "-trace_msg", "-message_file", name + "-msgs.log"], dir);

    /// <summary>Every SIPp error log in <paramref name="dir"/>, for assertion messages.</summary>
    public static string ErrorLogs(string dir) => "\n" + string.Join("\n", Directory.GetFiles(dir, "*errors.log").Select(File.ReadAllText));

    public static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    public static int FreeUdpPortOtherThan(int taken)
    {
        int port;
        do
        {
            port = PeerProcess.FreeUdpPort();
        }
        while (port == taken);
        return port;
    }

    /// <summary>True when some socket is bound to 127.0.0.1:<paramref name="port"/> (UDP, per /proc/net/udp).</summary>
    public static bool UdpPortBound(int port) =>
        File.ReadAllText("/proc/net/udp").Contains($"0100007F:{port:X4} ", StringComparison.Ordinal);
}
