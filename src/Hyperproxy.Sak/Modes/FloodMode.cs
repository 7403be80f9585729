using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Hyperproxy.Sak.Bench;
using Hyperproxy.Sak.Ua;
using Hyperproxy.Transport;

namespace Hyperproxy.Sak.Modes;

/// <summary>
/// -F: OPTIONS with rising CSeq as fast as sendmmsg takes them, -e of them (SIPSAK's default
/// 2^31-1). As in sipsak, replies are not wanted: the Via advertises port 9 (discard).
/// </summary>
public static class FloodMode
{
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
        }
        catch (TransportException e)
        {
            throw new SakException(e.Message);
        }
        using IBatchIo io = BatchIo.Create(BatchIoKind.Auto, [socket], DatagramBatch.DefaultCapacity);
        var batch = new DatagramBatch(DatagramBatch.DefaultCapacity, 2048);
        NetAddress peer = NetAddress.FromIPEndPoint(destination);
        long sent = 0, errors = 0;
        ulong seq = 1;
        long start = Stopwatch.GetTimestamp();
        while (sent + errors < count)
        {
            batch.Clear();
            long n = Math.Min(batch.Capacity, count - sent - errors);
            for (int i = 0; i < n; i++)
            {
                batch.TryGetFreeSlot(out Span<byte> slot);
                batch.Commit(template.Write(slot, seq, (long)seq, 0), peer, 0);
                seq++;
            }
            int ok = io.Send(batch);
            sent += ok;
            errors += n - ok;
        }
        double s = Stopwatch.GetElapsedTime(start).TotalSeconds;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"flood: sent {sent} OPTIONS to {destination} in {s:0.000} s ({(s > 0 ? sent / s : 0):0}/s), {errors} send errors"));
        return errors == 0 ? ExitCodes.Ok : ExitCodes.RemoteError;
    }
}
