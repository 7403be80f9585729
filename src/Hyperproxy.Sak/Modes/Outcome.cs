using Hyperproxy.Sak.Cli;
using Hyperproxy.Sak.Ua;

namespace Hyperproxy.Sak.Modes;

/// <summary>Maps a transaction's outcome to SIPSAK's exit codes (plain or Nagios).</summary>
public static class Outcome
{
    public static int ExitCode(SakOptions options, TransactionResult result)
    {
        if (result.TimedOut)
            return options.Nagios ? ExitCodes.NagiosCritical : ExitCodes.RemoteError;
        if (result.AuthFailed)
            return options.Nagios ? ExitCodes.NagiosCritical : ExitCodes.LocalError;
        bool success = result.StatusCode is >= 200 and < 300;
        if (options.Nagios)
        {
            if (!success)
                return ExitCodes.NagiosCritical;
            return options.NagiosWarn >= 0 && result.Retransmissions > options.NagiosWarn
                ? ExitCodes.NagiosWarning
                : ExitCodes.NagiosOk;
        }
        return success ? ExitCodes.Ok : ExitCodes.NonSuccess;
    }

    /// <summary>Prints the usual one-transaction report: status line, the reply (-v), or Nagios's line (-N).</summary>
    public static int Report(SakOptions options, TransactionResult result, TextWriter stdout, TextWriter stderr, string what)
    {
        int code = ExitCode(options, result);
        if (options.Nagios)
        {
            string status = result.Final?.StartLine ?? "no answer";
            stdout.WriteLine(code == ExitCodes.NagiosOk ? "SIP ok: " + status
                : code == ExitCodes.NagiosWarning ? "SIP warning: " + status + " after " + result.Retransmissions + " retransmissions"
                : "SIP failure: " + status);
            return code;
        }
        if (result.TimedOut)
        {
            stderr.WriteLine($"hypersak: no final answer to {what} (timeout after {options.TimerT1Ms * options.TimeoutFactor} ms)");
            return code;
        }
        SipReply reply = result.Final!;
        if (result.AuthFailed)
            stderr.WriteLine(AuthFailedLine(reply));
        if (options.Verbosity == 1)
            stdout.Write(reply.Text);
        else if (options.Verbosity >= 2)
            stdout.WriteLine($"** reply received after {reply.RttMs:0.000} ms **\n   {reply.StartLine}\n   final received");
        else
            stdout.WriteLine(reply.StartLine);
        return code;
    }

    /// <summary>sipsak's complaint when credentials are challenged again.</summary>
    public static string AuthFailedLine(SipReply reply) =>
        "hypersak: authorization failed: the server challenged our credentials again (" + reply.StartLine + "); wrong user name (-u) or password (-a)?";
}
