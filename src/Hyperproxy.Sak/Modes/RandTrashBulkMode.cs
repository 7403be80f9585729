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
/// -R with -e COUNT: randtrash as a soak. COUNT datagrams, REGISTER, OPTIONS and INVITE in turn (10000 AoRs, rising
/// CSeq), each with 1 to -t (default <see cref="DefaultTrash"/>) characters overwritten by random bytes 1-255 at
/// random places (sipsak's -R corruption; positions and bytes from --seed). Sent 64 at a time with sendmmsg; after
/// each batch the answers are read until the batch is answered or 1 ms passes without one, so the server is driven
/// at its own pace and the kernel drops little. Then a clean OPTIONS must still be answered. Prints the datagrams
/// sent and the answers by class; exit 0 when the server still answers, 3 when it does not.
/// </summary>
public static class RandTrashBulkMode
{
    public const int DefaultTrash = 16;
    private const int Batch = 64;
    private const int Users = 10_000;

    public static int Run(UserAgent ua, TextWriter stdout)
    {
        Cli.SakOptions options = ua.Options;
        long count = options.End;
        int maxTrash = options.TrashChars > 0 ? options.TrashChars : DefaultTrash;
        int seed = options.Seed != 0 ? options.Seed : Environment.TickCount & int.MaxValue;
        var random = new Random(seed);
        IPEndPoint destination = ua.Target.Destination;
        IPAddress local = destination.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        if (options.LocalIp != null && IPAddress.TryParse(options.LocalIp.Trim('[', ']'), out IPAddress? l))
            local = l;
        Socket socket;
        try
        {
            socket = UdpSockets.Open(NetAddress.FromIPEndPoint(new IPEndPoint(local, 0)), reusePort: false);
            socket.Connect(destination);
        }
        catch (Exception e) when (e is TransportException or SocketException)
        {
            throw new SakException(e.Message);
        }
        using var io = new BenchSocket(socket, Batch);
        var bound = (IPEndPoint)socket.LocalEndPoint!;
        string sentBy = SipTarget.FormatHost(bound.Address) + ":" + bound.Port.ToString(CultureInfo.InvariantCulture);
        string domain = ua.Target.HostPort;
        string callId = "hstrash-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "@hypersak";
        RequestTemplate[] templates =
        [
            RequestTemplate.Register(domain, sentBy, sentBy, 5, 60, options.Paths),
            RequestTemplate.Options(ua.Target.Uri, sentBy, callId),
            RequestTemplate.Invite(domain, sentBy, callId, 5, "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"),
        ];
        stdout.WriteLine($"randtrash: seed {seed}, {count} datagrams to {destination}, 1-{maxTrash} trashed characters each (REGISTER, OPTIONS, INVITE in turn)");

        Span<long> classes = stackalloc long[7];
        long sent = 0, errors = 0, answers = 0, unparsable = 0;
        ulong seq = 0;
        long start = Stopwatch.GetTimestamp();
        long nextReport = start + Stopwatch.Frequency * 10;
        while (sent + errors < count)
        {
            int n = (int)Math.Min(Batch, count - sent - errors);
            for (int i = 0; i < n; i++)
            {
                seq++;
                RequestTemplate t = templates[(int)(seq % (ulong)templates.Length)];
                Span<byte> slot = io.SendSlot(i);
                int length = t.Write(slot, seq, (long)(seq / 3) + 1, (long)(seq % Users));
                int trash = 1 + random.Next(maxTrash);
                for (int k = 0; k < trash; k++)
                    slot[random.Next(length)] = (byte)random.Next(1, 256);
                io.SetLength(i, length);
            }
            int ok = io.Send(n);
            sent += ok;
            errors += n - ok;
            int got = 0;
            while (got < ok)
            {
                int r = io.Receive(1);
                if (r == 0)
                    break;
                got += r;
                for (int i = 0; i < r; i++)
                {
                    int status = Status(io.Received(i));
                    if (status == 0)
                        unparsable++;
                    else
                        classes[status / 100]++;
                }
            }
            answers += got;
            if (Stopwatch.GetTimestamp() >= nextReport)
            {
                nextReport += Stopwatch.Frequency * 10;
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"randtrash: {sent} sent, {answers} answers, {Stopwatch.GetElapsedTime(start).TotalSeconds:0} s"));
            }
        }
        // The last batches' answers.
        for (int r; (r = io.Receive(50)) > 0;)
        {
            answers += r;
            for (int i = 0; i < r; i++)
            {
                int status = Status(io.Received(i));
                if (status == 0)
                    unparsable++;
                else
                    classes[status / 100]++;
            }
        }
        double s = Stopwatch.GetElapsedTime(start).TotalSeconds;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"randtrash: sent {sent} datagrams in {s:0.0} s ({(s > 0 ? sent / s : 0):0}/s), {errors} send errors, {answers} answers ({sent - answers} unanswered)"));
        stdout.WriteLine($"answers: 1xx {classes[1]}, 2xx {classes[2]}, 3xx {classes[3]}, 4xx {classes[4]}, 5xx {classes[5]}, 6xx {classes[6]}, not a status line {unparsable}");

        TransactionResult clean;
        try
        {
            clean = ua.Send(ua.NewRequest("OPTIONS", ua.Target.Uri, ua.Target.Uri));
        }
        catch (SakException e)
        {
            stdout.WriteLine($"randtrash: the server went away ({e.Message})");
            return ExitCodes.RemoteError;
        }
        if (clean.TimedOut)
        {
            stdout.WriteLine("randtrash: the server does not answer a clean OPTIONS any more");
            return ExitCodes.RemoteError;
        }
        stdout.WriteLine("randtrash: the server still answers a clean OPTIONS: " + clean.Final!.StartLine);
        return ExitCodes.Ok;
    }

    /// <summary>The status code of a reply (100-699), 0 when it has no "SIP/2.0 NNN " status line.</summary>
    private static int Status(ReadOnlySpan<byte> reply)
    {
        if (reply.Length < 12 || !reply.StartsWith("SIP/2.0 "u8) || reply[11] != ' ')
            return 0;
        int d0 = reply[8] - '0', d1 = reply[9] - '0', d2 = reply[10] - '0';
        if ((uint)d0 is < 1 or > 6 || (uint)d1 > 9 || (uint)d2 > 9)
            return 0;
        return d0 * 100 + d1 * 10 + d2;
    }
}
