using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Hyperproxy.Sak.Ua;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Sak.Bench;

/// <summary>
/// `hypersak bench --scenario call`: per thread a caller socket and a callee socket. INVITEs go
/// to the first --route's address (else the target) addressed to u&lt;N&gt; at the callee socket
/// (a stateless proxy forwards them by their Request-URI), or, with --register-callee, at the
/// target's domain after the callees registered there (a registrar / home proxy routes them by lookup).
/// </summary>
public static class CallRunner
{
    public static int Run(BenchOptions o, IPEndPoint target, IPEndPoint destination, IPAddress local, TextWriter stdout, TextWriter stderr)
    {
        NetAddress destinationAddress = NetAddress.FromIPEndPoint(destination);
        int userDigits = Math.Max(1, o.Users.ToString(CultureInfo.InvariantCulture).Length);
        string targetHost = BenchRunner.HostPort(target);
        string sdp = CallWriter.SessionDescription(SipTarget.FormatHost(local));
        long cseqBase = o.RegisterCallee ? (o.CSeqBase > 0 ? o.CSeqBase : CSeqState.Next(target, o.Users)) : 0;

        var workers = new CallWorker[o.Threads];
        var ios = new IBatchIo[o.Threads];
        try
        {
            try
            {
                for (int t = 0; t < o.Threads; t++)
                {
                    Socket caller = UdpSockets.Open(NetAddress.FromIPEndPoint(new IPEndPoint(local, 0)), reusePort: false);
                    Socket callee = UdpSockets.Open(NetAddress.FromIPEndPoint(new IPEndPoint(local, 0)), reusePort: false);
                    string callerSentBy = BenchRunner.HostPort((IPEndPoint)caller.LocalEndPoint!);
                    string calleeSentBy = BenchRunner.HostPort((IPEndPoint)callee.LocalEndPoint!);
                    ios[t] = BatchIo.Create(BatchIoKind.Auto, [caller, callee], o.Batch * 2);
                    string suffix = t.ToString(CultureInfo.InvariantCulture) + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture)
                        + "-" + Stopwatch.GetTimestamp().ToString("x", CultureInfo.InvariantCulture) + "@hypersak";
                    string inviteDomain = o.RegisterCallee ? targetHost : calleeSentBy;
                    RequestTemplate invite = RequestTemplate.Invite(inviteDomain, callerSentBy, suffix, userDigits, sdp, o.Routes);
                    var writer = new CallWriter(callerSentBy, calleeSentBy, sdp, inviteDomain, userDigits, o.Routes);
                    workers[t] = new CallWorker(o, t, invite, writer, ios[t], destinationAddress, BenchThreads.Quota(o, t));
                    if (o.RegisterCallee)
                        RegisterCallees(o, workers[t], targetHost, calleeSentBy, userDigits, cseqBase, target);
                }
            }
            catch (TransportException e)
            {
                throw new SakException("bench: " + e.Message);
            }
            finally
            {
                if (o.RegisterCallee)
                    CSeqState.Save(target, o.Users, cseqBase + 1);
            }
            (o.Json ? stderr : stdout).WriteLine(BenchReport.Header(o, target, destination, local, cseqBase));
            BenchThreads.Run(workers, o, stdout, "hypersak-call");
        }
        finally
        {
            foreach (IBatchIo? io in ios)
                io?.Dispose();
        }

        BenchResult result = BenchResult.Collect(o, workers, 0);
        stdout.Write(o.Json ? BenchReport.Json(o, result) + "\n" : BenchReport.Text(result));
        return result.Timeouts == 0 && result.UnansweredAtEnd == 0 && result.SendErrors == 0 && result.CallsFailed == 0
            ? ExitCodes.Ok : ExitCodes.NonSuccess;
    }

    private static void RegisterCallees(BenchOptions o, CallWorker worker, string targetHost, string calleeSentBy, int userDigits, long cseqBase, IPEndPoint target)
    {
        RequestTemplate register = RequestTemplate.Register(targetHost, calleeSentBy, calleeSentBy, userDigits, o.Expires, o.Paths, o.Routes);
        int registered = worker.RegisterCallees(register, cseqBase, out int failure);
        if (registered < worker.UsersHere)
        {
            throw new SakException($"bench: registering the callees at {target}: {worker.UsersHere - registered} of {worker.UsersHere} failed"
                + (failure == 0 ? " (no answer)" : failure > 0 ? " (last answer " + failure.ToString(CultureInfo.InvariantCulture) + ")" : ""));
        }
    }
}
