using System.Diagnostics;
using System.Globalization;
using Hyperproxy.Sak.Ua;
using Hyperproxy.Sip;

namespace Hyperproxy.Sak.Modes;

/// <summary>
/// -U: for each user (the URI's user, or user+N for N in -b..-e): REGISTER (with --path as an
/// edge proxy would), MESSAGE to the user through the server — hypersak is the registered
/// contact, receives that MESSAGE and answers 200 — then REGISTER with Expires 0. Each step is
/// reported; the Path the registrar stored is shown.
/// </summary>
public static class UsrlocMode
{
    public const string MessageBody = "hypersak usrloc test message";

    public static int Run(UserAgent ua, TextWriter stdout, TextWriter stderr)
    {
        string? baseUser = ua.Target.User;
        if (string.IsNullOrEmpty(baseUser))
            throw new SakException("usrloc mode needs a user in the URI (-s sip:user@host)");
        long first = ua.Options.Begin;
        long last = ua.Options.End;
        bool numbered = first >= 0 || last >= 0;
        if (numbered)
        {
            if (first < 0)
                first = 1;
            if (last < first)
                throw new SakException($"usrloc: -e {last} is below -b {first}");
        }
        else
        {
            first = last = 0;
        }
        int worst = ExitCodes.Ok;
        long done = 0;
        long start = Stopwatch.GetTimestamp();
        for (long n = first; n <= last; n++)
        {
            string user = numbered ? baseUser + n.ToString(CultureInfo.InvariantCulture) : baseUser;
            int code = OneUser(ua, user, stdout, stderr);
            worst = Math.Max(worst, code);
            if (code != ExitCodes.Ok)
                break;
            done++;
            if (ua.Options.SleepMs > 0 && n < last)
                Thread.Sleep(ua.Options.SleepMs);
        }
        if (worst == ExitCodes.Ok)
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"all usrloc tests completed successfully: {done} user(s) registered, {(ua.Options.Invite ? "called" : "messaged")} and removed in {Stopwatch.GetElapsedTime(start).TotalMilliseconds:0.000} ms"));
        if (ua.Options.Nagios)
            return worst == ExitCodes.Ok ? ExitCodes.NagiosOk : ExitCodes.NagiosCritical;
        return worst;
    }

    private static int OneUser(UserAgent ua, string user, TextWriter stdout, TextWriter stderr)
    {
        string aor = "sip:" + user + "@" + ua.Target.HostPort;
        string contact = ua.Options.Contact ?? "sip:" + user + "@" + ua.SentBy;
        SipRequest register = ua.NewRequest("REGISTER", "sip:" + ua.Target.HostPort, aor, aor);
        register.Contact = contact;
        register.Expires = ua.Options.Expires;
        register.Paths.AddRange(ua.Options.Paths);

        stdout.Write($"registering user {user} ... ");
        TransactionResult reg = ua.SendWithAuth(register);
        if (!Step(reg, stdout, stderr, "REGISTER"))
            return Outcome.ExitCode(WithoutNagios(ua), reg);
        foreach (string path in reg.Final!.Headers(HeaderId.Path))
            stdout.WriteLine("\tPath: " + path);
        if (ua.Options.Verbosity >= 1)
        {
            foreach (string c in reg.Final.Headers(HeaderId.Contact))
                stdout.WriteLine("\tContact: " + c);
        }

        if (ua.Options.Invite)
        {
            int call = InviteMode.Call(ua, aor, aor, user, stdout, stderr);
            if (call != ExitCodes.Ok)
                return call;
        }
        else if (!SendMessageToSelf(ua, aor, user, stdout, stderr, out int failed))
        {
            return failed;
        }

        stdout.Write($"removing binding of {user} ... ");
        register.Expires = 0;
        register.CSeq++;
        register.Authorization = null;
        TransactionResult remove = ua.SendWithAuth(register);
        if (!Step(remove, stdout, stderr, "REGISTER (remove)"))
            return Outcome.ExitCode(WithoutNagios(ua), remove);
        return ExitCodes.Ok;
    }

    private static bool SendMessageToSelf(UserAgent ua, string aor, string user, TextWriter stdout, TextWriter stderr, out int failed)
    {
        failed = ExitCodes.Ok;
        stdout.Write($"sending message to {user} through the server ... ");
        SipRequest message = ua.NewRequest("MESSAGE", aor, aor);
        message.Body = MessageBody;
        int received = 0;
        void Answer(SipReply incoming)
        {
            if (incoming.Message.Method == SipMethod.Message)
            {
                received++;
                ua.Respond(incoming, 200, "OK");
            }
            else
            {
                ua.Respond(incoming, 501, "Not Implemented");
            }
        }
        TransactionResult msg = ua.SendWithAuth(message, Answer);
        if (!Step(msg, stdout, stderr, "MESSAGE"))
        {
            failed = Outcome.ExitCode(WithoutNagios(ua), msg);
            return false;
        }
        if (received == 0)
        {
            stdout.WriteLine("\tbut the MESSAGE never reached us");
            failed = ExitCodes.NonSuccess;
            return false;
        }
        stdout.WriteLine("\tthe MESSAGE reached us and was answered 200");
        return true;
    }

    private static bool Step(TransactionResult result, TextWriter stdout, TextWriter stderr, string what)
    {
        if (result.TimedOut)
        {
            stdout.WriteLine("no answer");
            stderr.WriteLine($"hypersak: no final answer to {what}");
            return false;
        }
        SipReply reply = result.Final!;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{reply.StartLine} ({reply.RttMs:0.000} ms)"));
        if (result.AuthFailed)
            stderr.WriteLine(Outcome.AuthFailedLine(reply));
        return reply.StatusCode is >= 200 and < 300;
    }

    private static Cli.SakOptions WithoutNagios(UserAgent ua) => ua.Options.Nagios ? new Cli.SakOptions() : ua.Options;
}
