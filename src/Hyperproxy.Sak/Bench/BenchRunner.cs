using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperproxy.Sak.Cli;
using Hyperproxy.Sak.Ua;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Sak.Bench;

/// <summary>
/// `hypersak bench`: resolves the target and where requests go (the first --route's address, else
/// the target), sets up the OPTIONS/REGISTER workers (the call scenario's are <see cref="CallRunner"/>'s),
/// runs them with <see cref="BenchThreads"/> and prints the report.
/// </summary>
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
        IPEndPoint destination = FirstHop(o, target);
        IPAddress local = o.LocalIp != null
            ? (IPAddress.TryParse(o.LocalIp.Trim('[', ']'), out IPAddress? l) ? l : throw new SakException($"bench: bad --local '{o.LocalIp}'"))
            : LocalAddressTowards(destination);
        if (o.Scenario == BenchScenario.Call)
            return CallRunner.Run(o, target, destination, local, stdout, stderr);
        long cseqBase = o.CSeqBase > 0 ? o.CSeqBase : CSeqState.Next(target, o.Users);
        int userDigits = Math.Max(1, o.Users.ToString(CultureInfo.InvariantCulture).Length);
        string targetHost = HostPort(target);

        var workers = new BenchWorker[o.Threads];
        var ios = new BenchSocket[o.Threads];
        try
        {
            try
            {
                for (int t = 0; t < o.Threads; t++)
                {
                    Socket socket = UdpSockets.Open(NetAddress.FromIPEndPoint(new IPEndPoint(local, 0)), reusePort: false);
                    socket.Connect(destination);
                    string sentBy = HostPort((IPEndPoint)socket.LocalEndPoint!);
                    ios[t] = new BenchSocket(socket, o.Batch);
                    RequestTemplate template = o.Scenario == BenchScenario.Register
                        ? RequestTemplate.Register(targetHost, sentBy, SipTarget.FormatHost(local) + ":5060", userDigits, o.Expires, o.Paths, o.Routes)
                        : RequestTemplate.Options("sip:" + targetHost, sentBy, "hsopt-" + t.ToString(CultureInfo.InvariantCulture) + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "@hypersak", o.Routes);
                    workers[t] = new BenchWorker(o, t, template, ios[t], BenchThreads.Quota(o, t), cseqBase);
                }
            }
            catch (Exception e) when (e is TransportException or SocketException)
            {
                throw new SakException("bench: " + e.Message);
            }
            (o.Json ? stderr : stdout).WriteLine(BenchReport.Header(o, target, destination, local, cseqBase));
            BenchThreads.Run(workers, o, stdout, "hypersak-bench");
        }
        finally
        {
            foreach (BenchSocket? io in ios)
                io?.Dispose();
        }

        if (o.Scenario == BenchScenario.Register)
        {
            long max = 0;
            foreach (BenchWorker w in workers)
                max = Math.Max(max, w.MaxCSeq);
            CSeqState.Save(target, o.Users, max + 1);
        }
        BenchResult result = BenchResult.Collect(o, workers, o.Scenario == BenchScenario.Register ? cseqBase : 0);
        stdout.Write(o.Json ? BenchReport.Json(o, result) + "\n" : BenchReport.Text(result));
        return result.Timeouts == 0 && result.UnansweredAtEnd == 0 && result.SendErrors == 0 && result.CallsFailed == 0
            ? ExitCodes.Ok : ExitCodes.NonSuccess;
    }

    /// <summary>host:port as written in a SIP header (IPv6 in brackets).</summary>
    public static string HostPort(IPEndPoint endPoint) =>
        SipTarget.FormatHost(endPoint.Address) + ":" + endPoint.Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Where requests are sent: the first --route's address (RFC 3261 §8.1.2), else the target.</summary>
    private static IPEndPoint FirstHop(BenchOptions o, IPEndPoint target)
    {
        if (o.Routes.Count == 0)
            return target;
        if (!HopCache.TryResolve(Encoding.UTF8.GetBytes(Dialog.UriOf(o.Routes[0])), out IPEndPoint hop))
            throw new SakException($"bench: bad --route '{o.Routes[0]}' (expected sip:host[:port][;lr])");
        if (hop.AddressFamily != target.AddressFamily)
            throw new SakException($"bench: --route {hop} and --target {target} are not of one IP family");
        return hop;
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
