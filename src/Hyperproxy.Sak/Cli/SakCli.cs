using System.Net.Sockets;
using Hyperproxy.Sak.Bench;
using Hyperproxy.Sak.Modes;
using Hyperproxy.Sak.Ua;

namespace Hyperproxy.Sak.Cli;

/// <summary>The entry point behind Program: parses, runs a mode, maps every failure to one line and an exit code.</summary>
public static class SakCli
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        bool nagios = false;
        try
        {
            if (args.Length > 0 && args[0] == "bench")
                return BenchRunner.Run(args[1..], stdout, stderr);
            SakOptions options = OptionParser.Parse(args);
            nagios = options.Nagios;
            switch (options.Mode)
            {
                case SakMode.Help:
                    stdout.Write(Usage.Main);
                    return ExitCodes.Ok;
                case SakMode.Version:
                    stdout.Write(Usage.Version);
                    return ExitCodes.Ok;
                case SakMode.Flood:
                    return FloodMode.Run(SipTarget.Resolve(options.Uri!, options.RemotePort, options.OutboundProxy, options.Routes), options, stdout);
            }
            using var ua = new UserAgent(options, stdout);
            return options.Mode switch
            {
                SakMode.Traceroute => TraceMode.Run(ua, stdout, stderr),
                SakMode.Message => MessageMode.Run(ua, stdout, stderr),
                SakMode.Invite => InviteMode.Run(ua, stdout, stderr),
                SakMode.Usrloc => UsrlocMode.Run(ua, stdout, stderr),
                SakMode.RandTrash => options.End > 0 ? RandTrashBulkMode.Run(ua, stdout) : RandTrashMode.Run(ua, stdout, stderr),
                _ => PingMode.Run(ua, stdout, stderr),
            };
        }
        catch (SakException e)
        {
            return Fail(stdout, stderr, e.Message, e.ExitCode, nagios);
        }
        catch (SocketException e)
        {
            return Fail(stdout, stderr, "socket error: " + e.Message, ExitCodes.RemoteError, nagios);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            return Fail(stdout, stderr, e.Message, ExitCodes.LocalError, nagios);
        }
    }

    private static int Fail(TextWriter stdout, TextWriter stderr, string message, int code, bool nagios)
    {
        stderr.WriteLine("hypersak: " + message);
        if (!nagios)
            return code;
        stdout.WriteLine("SIP failure: " + message);
        return ExitCodes.NagiosCritical;
    }
}
