using System.Globalization;
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
            double rtt = result.Final!.RttMs;
            if (options.RttCriticalMs >= 0 && rtt > options.RttCriticalMs)
                return ExitCodes.NagiosCritical;
            return (options.NagiosWarn >= 0 && result.Retransmissions > options.NagiosWarn)
                || (options.RttWarningMs >= 0 && rtt > options.RttWarningMs)
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
            stdout.WriteLine(NagiosLine(options, result, code));
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

    /// <summary>
    /// sipsak's -N words (<c>SIP ok</c>, <c>SIP warning</c>, <c>SIP failure</c>), the final status line and why, then
    /// Nagios performance data after a <c>|</c>: the round-trip time in ms and the retransmissions, each with
    /// its warning and critical thresholds (<c>--rtt-warning</c>, <c>--rtt-critical</c>, <c>-W</c>) and minimum 0.
    /// </summary>
    public static string NagiosLine(SakOptions options, TransactionResult result, int code)
    {
        string word = code == ExitCodes.NagiosOk ? "SIP ok" : code == ExitCodes.NagiosWarning ? "SIP warning" : "SIP failure";
        if (result.Final is not { } reply)
            return $"{word}: no answer after {result.Retransmissions} retransmissions";
        string why = "";
        if (reply.StatusCode is >= 200 and < 300)
        {
            if (options.RttCriticalMs >= 0 && reply.RttMs > options.RttCriticalMs)
                why = string.Create(CultureInfo.InvariantCulture, $", round trip {reply.RttMs:0.000} ms > {options.RttCriticalMs} ms");
            else if (options.RttWarningMs >= 0 && reply.RttMs > options.RttWarningMs)
                why = string.Create(CultureInfo.InvariantCulture, $", round trip {reply.RttMs:0.000} ms > {options.RttWarningMs} ms");
            else if (options.NagiosWarn >= 0 && result.Retransmissions > options.NagiosWarn)
                why = $" after {result.Retransmissions} retransmissions";
        }

        string Threshold(long value) => value >= 0 ? value.ToString(CultureInfo.InvariantCulture) : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{word}: {reply.StartLine}{why} | rtt={reply.RttMs:0.000}ms;{Threshold(options.RttWarningMs)};{Threshold(options.RttCriticalMs)};0 "
            + $"retransmissions={result.Retransmissions};{Threshold(options.NagiosWarn)};;0");
    }

    /// <summary>sipsak's complaint when credentials are challenged again.</summary>
    public static string AuthFailedLine(SipReply reply) =>
        "hypersak: authorization failed: the server challenged our credentials again (" + reply.StartLine + "); wrong user name (-u) or password (-a)?";
}
