using System.Globalization;
using Hyperproxy.Sak.Ua;
using Hyperproxy.Sip;

namespace Hyperproxy.Sak.Modes;

/// <summary>
/// -T: OPTIONS with Max-Forwards 0, 1, 2, ... Each hop that answers 483 is listed with the
/// identity it gives (Warning agent, else Server) and the round-trip time, then the final answer.
/// Unlike sipsak it always ends: at the hop bound (-m, else --hops, 70), on a timeout, or when
/// the same 483 answer comes back <see cref="RepeatLimit"/> times in a row.
/// </summary>
public static class TraceMode
{
    public const int RepeatLimit = 8;

    public static int Run(UserAgent ua, TextWriter stdout, TextWriter stderr)
    {
        int bound = ua.Options.MaxForwards >= 0 ? ua.Options.MaxForwards : ua.Options.HopBound;
        SipRequest request = ua.NewRequest("OPTIONS", ua.Target.Uri, ua.Target.Uri);
        string? lastKey = null;
        int repeats = 0;
        for (int hop = 0; hop <= bound; hop++)
        {
            request.MaxForwards = hop;
            request.CSeq = (uint)hop + 1;
            TransactionResult result = ua.Send(request);
            if (result.TimedOut)
            {
                stdout.WriteLine($"{hop}: no answer");
                stderr.WriteLine($"hypersak: traceroute: no answer at Max-Forwards {hop}");
                return ua.Options.Nagios ? ExitCodes.NagiosCritical : ExitCodes.RemoteError;
            }
            SipReply reply = result.Final!;
            string ident = Identify(reply);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{hop}: {ident} ({reply.RttMs:0.000} ms) {reply.StartLine}"));
            if (reply.StatusCode != 483)
            {
                string? contact = reply.Header(HeaderId.Contact);
                stdout.WriteLine(contact == null ? "\twithout Contact header" : "\tContact: " + contact);
                return Outcome.ExitCode(ua.Options, result);
            }
            string key = ident + "|" + reply.StartLine;
            repeats = key == lastKey ? repeats + 1 : 1;
            lastKey = key;
            if (repeats >= RepeatLimit)
            {
                stdout.WriteLine($"stopped: the same 483 answer came back {RepeatLimit} times in a row (a loop, or hops that do not identify themselves)");
                return ua.Options.Nagios ? ExitCodes.NagiosCritical : ExitCodes.NonSuccess;
            }
        }
        stdout.WriteLine($"stopped: no final answer within {bound} hops");
        return ua.Options.Nagios ? ExitCodes.NagiosCritical : ExitCodes.NonSuccess;
    }

    /// <summary>The hop's identity: the Warning's agent, else the Server header, else "??".</summary>
    private static string Identify(SipReply reply)
    {
        string? warning = reply.Header(HeaderId.Warning);
        if (warning != null)
        {
            string[] parts = warning.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2)
                return parts[1];
        }
        string? server = reply.Header(HeaderId.Server);
        return server != null ? "'" + server + "'" : "??";
    }
}
