using System.Globalization;
using System.Net;
using Hyperproxy.Sak.Ua;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sak.Modes;

/// <summary>
/// -I: SIPSAK's invite mode, a simulated call: INVITE to the user, the 200 answered with an ACK,
/// then (beyond sipsak) a BYE so no call is left up. hypersak is the callee too when the INVITE
/// comes back to it (after -U registered it, or when the URI names its own -l port): it answers
/// 180 and 200, copying the Record-Route, and the ACK and BYE follow the route set the 2xx gave
/// (<see cref="Dialog"/>). Alone (-I without -U) the URI is called as given.
/// </summary>
public static class InviteMode
{
    /// <summary>How long the ACK is given to come back to us when we are the callee.</summary>
    public const int AckWaitMs = 2000;

    public static int Run(UserAgent ua, TextWriter stdout, TextWriter stderr)
    {
        string user = ua.Target.User ?? "hypersak";
        int code = Call(ua, ua.Target.Uri, ua.Target.Uri, user, stdout, stderr);
        if (ua.Options.Nagios)
            return code == ExitCodes.Ok ? ExitCodes.NagiosOk : ExitCodes.NagiosCritical;
        return code;
    }

    /// <summary>One call to <paramref name="requestUri"/>; exit code as sipsak's (0 when the BYE got a 2xx).</summary>
    public static int Call(UserAgent ua, string requestUri, string to, string user, TextWriter stdout, TextWriter stderr)
    {
        var callee = new SelfCallee(ua, user);
        SipRequest invite = ua.NewRequest("INVITE", requestUri, to);
        invite.Contact = "sip:hypersak@" + ua.SentBy;
        invite.Body = Sdp.Offer(ua.LocalHost);
        invite.ContentType = "application/sdp";

        stdout.Write($"calling {user} ... ");
        TransactionResult result = ua.SendWithAuth(invite, callee.OnRequest);
        if (result.TimedOut)
        {
            stdout.WriteLine("no answer");
            stderr.WriteLine("hypersak: no final answer to INVITE");
            return ExitCodes.RemoteError;
        }
        SipReply answer = result.Final!;
        stdout.WriteLine(Line(answer));
        if (answer.StatusCode >= 300)
        {
            AckFailure(ua, invite, answer);
            return ExitCodes.NonSuccess;
        }
        Dialog? dialog = Dialog.FromSuccess(invite, answer);
        if (dialog == null)
        {
            stderr.WriteLine("hypersak: the 2xx to INVITE has no Contact or no To tag; no dialog");
            return ExitCodes.NonSuccess;
        }
        if (callee.Invites > 0)
            stdout.WriteLine("\tthe INVITE reached us and was answered 180 and 200");
        foreach (string route in dialog.RouteSet)
            stdout.WriteLine("\tRoute: " + route);
        stdout.WriteLine("\tremote target: " + dialog.RemoteTarget);
        IPEndPoint hop = UserAgent.NextHop(dialog);
        stdout.WriteLine($"\tin-dialog requests go to {hop} ({(dialog.RouteSet.Count > 0 ? "the first route" : "the remote target")})");

        SipRequest ack = dialog.Ack(invite.CSeq, invite.MaxForwards);
        ack.NextHop = hop;
        ua.SendOnly(ack);
        if (callee.Invites > 0)
        {
            bool acked = ua.ReceiveUntil(() => callee.Acks > 0, AckWaitMs, callee.OnRequest);
            stdout.WriteLine(acked ? $"\tACK sent; it reached us from {callee.AckFrom}" : "\tACK sent; it did not come back to us");
            if (!acked)
                return ExitCodes.NonSuccess;
        }
        else
        {
            stdout.WriteLine("\tACK sent");
        }

        stdout.Write($"hanging up {user} ... ");
        SipRequest bye = dialog.NewRequest("BYE", invite.MaxForwards);
        bye.NextHop = hop;
        TransactionResult hangup = ua.SendWithAuth(bye, callee.OnRequest);
        if (hangup.TimedOut)
        {
            stdout.WriteLine("no answer");
            stderr.WriteLine("hypersak: no final answer to BYE");
            return ExitCodes.RemoteError;
        }
        stdout.WriteLine(Line(hangup.Final!));
        if (callee.Byes > 0)
            stdout.WriteLine($"\tthe BYE reached us from {callee.ByeFrom}");
        return hangup.StatusCode is >= 200 and < 300 ? ExitCodes.Ok : ExitCodes.NonSuccess;
    }

    /// <summary>The ACK of a non-2xx final (§17.1.1.3): same branch and Request-URI as the INVITE, To from the answer.</summary>
    private static void AckFailure(UserAgent ua, SipRequest invite, SipReply answer)
    {
        SipMessage m = answer.Message;
        string? toTag = m.GetTo(out NameAddr to) == SipError.None && to.Tag.IsPresent ? answer.Range(to.Tag) : null;
        var ack = new SipRequest
        {
            Method = "ACK",
            RequestUri = invite.RequestUri,
            To = invite.To,
            ToTag = toTag,
            From = invite.From,
            FromTag = invite.FromTag,
            CallId = invite.CallId,
            CSeq = invite.CSeq,
            MaxForwards = invite.MaxForwards,
        };
        ack.Routes.AddRange(invite.Routes);
        ua.Socket.Send(ack.Build(ua.ViaSentBy, ua.LastBranch));
    }

    private static string Line(SipReply reply) =>
        string.Create(CultureInfo.InvariantCulture, $"{reply.StartLine} ({reply.RttMs:0.000} ms)");
}
