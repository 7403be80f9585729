using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Hyperproxy.Sak.Cli;
using Hyperproxy.Sak.Ua;
using Hyperproxy.Transport;

namespace Hyperproxy.Sak.Bench;

/// <summary>`hypersak bench`: sets up the workers, runs them, shows progress, prints the report.</summary>
public static class BenchRunner
{
    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Count > 0 && args[0] is "-h" or "--help")
        {
            stdout.Write(Usage.Bench);
            return ExitCodes.Ok;
        }
        BenchOptions o = BenchOptions.Parse(args);
        IPEndPoint target = SipTarget.ResolveHostPort(o.Target, "--target");
        NetAddress targetAddress = NetAddress.FromIPEndPoint(target);
        IPAddress local = o.LocalIp != null
            ? (IPAddress.TryParse(o.LocalIp.Trim('[', ']'), out IPAddress? l) ? l : throw new SakException($"bench: bad --local '{o.LocalIp}'"))
            : LocalAddressTowards(target);
        if (o.Scenario == BenchScenario.Call)
            return CallRunner.Run(o, target, local, stdout, stderr);
        long cseqBase = o.CSeqBase > 0 ? o.CSeqBase : CSeqState.Next(target, o.Users);
        int userDigits = Math.Max(1, o.Users.ToString(CultureInfo.InvariantCulture).Length);
        string targetHost = SipTarget.FormatHost(target.Address) + ":" + target.Port.ToString(CultureInfo.InvariantCulture);

        var workers = new BenchWorker[o.Threads];
        var ios = new BenchSocket[o.Threads];
        try
        {
            for (int t = 0; t < o.Threads; t++)
            {
                Socket socket = UdpSockets.Open(NetAddress.FromIPEndPoint(new IPEndPoint(local, 0)), reusePort: false);
                socket.Connect(target);
                string sentBy = SipTarget.FormatHost(local) + ":" + ((IPEndPoint)socket.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture);
                ios[t] = new BenchSocket(socket, o.Batch);
                RequestTemplate template = o.Scenario == BenchScenario.Register
                    ? RequestTemplate.Register(targetHost, sentBy, SipTarget.FormatHost(local) + ":5060", userDigits, o.Expires, o.Paths)
                    : RequestTemplate.Options("sip:" + targetHost, sentBy, "hsopt-" + t.ToString(CultureInfo.InvariantCulture) + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "@hypersak");
                long quota = o.Count > 0 ? o.Count / o.Threads + (t < o.Count % o.Threads ? 1 : 0) : 0;
                workers[t] = new BenchWorker(o, t, template, ios[t], quota, cseqBase);
            }
        }
        catch (Exception e) when (e is TransportException or SocketException)
        {
            foreach (BenchSocket? io in ios)
                io?.Dispose();
            throw new SakException("bench: " + e.Message);
        }

        TextWriter echo = o.Json ? stderr : stdout;
        echo.WriteLine(BenchReport.Header(o, target, local, cseqBase));

        long start = Stopwatch.GetTimestamp();
        long warmupEnd = start + (long)(o.WarmupS * Stopwatch.Frequency);
        long sendEnd = warmupEnd + (long)(o.DurationS * Stopwatch.Frequency);
        var threads = new Thread[o.Threads];
        Exception? failure = null;
        for (int t = 0; t < o.Threads; t++)
        {
            int index = t;
            threads[t] = new Thread(() =>
            {
                try
                {
                    if (o.Cpus != null)
                        CpuAffinity.PinCurrentThread(o.Cpus[index]);
                    workers[index].Run(start, warmupEnd, sendEnd);
                }
                catch (Exception e)
                {
                    failure = e;
                    workers[index].Done = true;
                }
            })
            { IsBackground = true, Name = "hypersak-bench-" + t.ToString(CultureInfo.InvariantCulture) };
            threads[t].Start();
        }

        bool progress = !Console.IsOutputRedirected && !o.Json;
        foreach (Thread thread in threads)
        {
            while (!thread.Join(progress ? 1000 : 200))
            {
                if (progress)
                    BenchReport.Progress(stdout, workers, start);
            }
        }
        if (progress)
            stdout.WriteLine();
        foreach (BenchSocket io in ios)
            io.Dispose();
        if (failure != null)
            throw new SakException("bench: " + failure.Message);

        if (o.Scenario == BenchScenario.Register)
        {
            long max = 0;
            foreach (BenchWorker w in workers)
                max = Math.Max(max, w.MaxCSeq);
            CSeqState.Save(target, o.Users, max + 1);
        }
        BenchResult result = BenchResult.Collect(o, workers, cseqBase);
        if (o.Json)
            stdout.WriteLine(BenchReport.Json(o, result));
        else
            stdout.Write(BenchReport.Text(result));
        return result.Timeouts == 0 && result.UnansweredAtEnd == 0 && result.SendErrors == 0 ? ExitCodes.Ok : ExitCodes.NonSuccess;
    }

    private static IPAddress LocalAddressTowards(IPEndPoint target)
    {
        using var probe = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            probe.Connect(target);
            return ((IPEndPoint)probe.LocalEndPoint!).Address;
        }
        catch (SocketException e)
        {
            throw new SakException($"bench: no route to {target}: {e.Message}");
        }
    }
}
