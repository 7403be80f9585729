using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Hyperproxy.Sak.Bench;
using Hyperproxy.Sak.Ua;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Sak.Modes;

/// <summary>
/// -F: OPTIONS with rising CSeq as fast as sendmmsg takes them, -e of them (SIPSAK's default
/// 2^31-1). As in sipsak, replies are not wanted: the Via advertises port 9 (discard).
/// </summary>
public static class FloodMode
{
    private const int Batch = 64;

    public static int Run(SipTarget target, Cli.SakOptions options, TextWriter stdout)
    {
        long count = options.End > 0 ? options.End : int.MaxValue;
        IPEndPoint destination = target.Destination;
        IPAddress local = destination.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        if (options.LocalIp != null && IPAddress.TryParse(options.LocalIp.Trim('[', ']'), out IPAddress? l))
            local = l;
        string host = options.Hostname ?? SipTarget.FormatHost(destination.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback);
        var template = RequestTemplate.Options(target.Uri, host + ":9", "hsflood-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "@hypersak");
        Socket socket;
        try
        {
            socket = UdpSockets.Open(NetAddress.FromIPEndPoint(new IPEndPoint(local, options.LocalPort)), reusePort: false);
            socket.Connect(destination);
        }
        catch (Exception e) when (e is TransportException or SocketException)
        {
            throw new SakException(e.Message);
        }
        using var io = new BenchSocket(socket, Batch);
        for (int i = 0; i < Batch; i++)
        {
            io.SetLength(i, template.Write(io.SendSlot(i), 0, 0, 0));
        }
        long sent = 0, errors = 0;
        ulong seq = 1;
        long start = Stopwatch.GetTimestamp();
        while (sent + errors < count)
        {
            int n = (int)Math.Min(Batch, count - sent - errors);
            for (int i = 0; i < n; i++)
            {
                template.Patch(io.SendSlot(i), seq, (long)seq, 0);
                seq++;
            }
            int ok = io.Send(n);
            sent += ok;
            errors += n - ok;
            // Whatever comes back (sipsak's flood ignores answers) is drained so the buffer never fills.
            io.Receive(0);
        }
        double s = Stopwatch.GetElapsedTime(start).TotalSeconds;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"flood: sent {sent} OPTIONS to {destination} in {s:0.000} s ({(s > 0 ? sent / s : 0):0}/s), {errors} send errors"));
        return errors == 0 ? ExitCodes.Ok : ExitCodes.RemoteError;
    }
}
