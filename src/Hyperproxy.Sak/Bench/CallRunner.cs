using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Hyperproxy.Sak.Ua;
using Hyperproxy.Transport;

namespace Hyperproxy.Sak.Bench;

/// <summary>
/// `hypersak bench --scenario call`: per thread a caller socket and a callee socket. INVITEs go
/// to the target addressed to u&lt;N&gt; at the callee socket (a stateless proxy forwards them by
/// their Request-URI), or, with --register-callee, at the target's domain after the callees
/// registered there (a registrar / home proxy routes them by lookup).
/// </summary>
public static class CallRunner
{
    public static int Run(BenchOptions o, IPEndPoint target, IPAddress local, TextWriter stdout, TextWriter stderr)
    {
        NetAddress targetAddress = NetAddress.FromIPEndPoint(target);
        int userDigits = Math.Max(1, o.Users.ToString(CultureInfo.InvariantCulture).Length);
        string targetHost = SipTarget.FormatHost(target.Address) + ":" + target.Port.ToString(CultureInfo.InvariantCulture);
        string host = SipTarget.FormatHost(local);
        string sdp = CallWriter.SessionDescription(host);
        long cseqBase = o.RegisterCallee ? (o.CSeqBase > 0 ? o.CSeqBase : CSeqState.Next(target, o.Users)) : 0;

        var workers = new CallWorker[o.Threads];
        var ios = new IBatchIo[o.Threads];
        try
        {
            for (int t = 0; t < o.Threads; t++)
            {
                Socket caller = UdpSockets.Open(NetAddress.FromIPEndPoint(new IPEndPoint(local, 0)), reusePort: false);
                Socket callee = UdpSockets.Open(NetAddress.FromIPEndPoint(new IPEndPoint(local, 0)), reusePort: false);
                string callerSentBy = host + ":" + ((IPEndPoint)caller.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture);
                string calleeSentBy = host + ":" + ((IPEndPoint)callee.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture);
                ios[t] = BatchIo.Create(BatchIoKind.Auto, [caller, callee], o.Batch * 2);
                string suffix = t.ToString(CultureInfo.InvariantCulture) + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture)
                    + "-" + Stopwatch.GetTimestamp().ToString("x", CultureInfo.InvariantCulture) + "@hypersak";
                string inviteDomain = o.RegisterCallee ? targetHost : calleeSentBy;
                RequestTemplate invite = RequestTemplate.Invite(inviteDomain, callerSentBy, suffix, userDigits, sdp);
                long quota = o.Count > 0 ? o.Count / o.Threads + (t < o.Count % o.Threads ? 1 : 0) : 0;
                workers[t] = new CallWorker(o, t, invite, new CallWriter(callerSentBy, calleeSentBy, sdp, inviteDomain, userDigits), ios[t], targetAddress, quota);
                if (o.RegisterCallee)
                {
                    RequestTemplate register = RequestTemplate.Register(targetHost, calleeSentBy, calleeSentBy, userDigits, o.Expires, o.Paths);
                    int registered = workers[t].RegisterCallees(register, cseqBase, out int failure);
                    if (registered < workers[t].UsersHere)
                    {
                        throw new SakException($"bench: registering the callees at {target}: {workers[t].UsersHere - registered} of {workers[t].UsersHere} failed"
                            + (failure == 0 ? " (no answer)" : failure > 0 ? " (last answer " + failure.ToString(CultureInfo.InvariantCulture) + ")" : ""));
                    }
                }
            }
        }
        catch (Exception e) when (e is TransportException or SakException)
        {
            foreach (IBatchIo? io in ios)
                io?.Dispose();
            if (o.RegisterCallee)
                CSeqState.Save(target, o.Users, cseqBase + 1);
            throw e as SakException ?? new SakException("bench: " + e.Message);
        }
        if (o.RegisterCallee)
            CSeqState.Save(target, o.Users, cseqBase + 1);

        TextWriter echo = o.Json ? stderr : stdout;
        echo.WriteLine(BenchReport.Header(o, target, local, cseqBase));

        long start = Stopwatch.GetTimestamp();
        long warmupEnd = start + (long)(o.WarmupS * Stopwatch.Frequency);
        long sendEnd = warmupEnd + (long)(o.DurationS * Stopwatch.Frequency);
        var threads = new Thread[o.Threads];
        Exception? failureInRun = null;
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
                    failureInRun = e;
                    workers[index].Done = true;
                }
            })
            { IsBackground = true, Name = "hypersak-call-" + t.ToString(CultureInfo.InvariantCulture) };
            threads[t].Start();
        }
        bool progress = !Console.IsOutputRedirected && !o.Json;
        foreach (Thread thread in threads)
        {
            while (!thread.Join(progress ? 1000 : 200))
            {
                if (progress)
                    Progress(stdout, workers, start);
            }
        }
        if (progress)
            stdout.WriteLine();
        foreach (IBatchIo io in ios)
            io.Dispose();
        if (failureInRun != null)
            throw new SakException("bench: " + failureInRun.Message);

        BenchResult result = BenchResult.Collect(o, workers);
        stdout.Write(o.Json ? BenchReport.Json(o, result) + "\n" : BenchReport.Text(result));
        return result.Timeouts == 0 && result.UnansweredAtEnd == 0 && result.SendErrors == 0 && result.CallsFailed == 0
            ? ExitCodes.Ok : ExitCodes.NonSuccess;
    }

    private static void Progress(TextWriter w, CallWorker[] workers, long start)
    {
        long sent = 0, completed = 0, timeouts = 0;
        foreach (CallWorker x in workers)
        {
            sent += Volatile.Read(ref x.Sent);
            completed += Volatile.Read(ref x.Completed);
            timeouts += Volatile.Read(ref x.Timeouts);
        }
        double s = Stopwatch.GetElapsedTime(start).TotalSeconds;
        w.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r{s,6:0.0}s  calls {sent,12}  completed {completed,12}  timeouts {timeouts,8}  ~{(s > 0 ? completed / s : 0),10:0} calls/s   "));
    }
}
