using Hyperproxy.Sak.Ua;

namespace Hyperproxy.Sak.Modes;

/// <summary>Default mode: one OPTIONS to the target, its status line printed.</summary>
public static class PingMode
{
    public static int Run(UserAgent ua, TextWriter stdout, TextWriter stderr)
    {
        SipRequest request = ua.NewRequest("OPTIONS", ua.Target.Uri, ua.Target.Uri);
        TransactionResult result = ua.SendWithAuth(request);
        return Outcome.Report(ua.Options, result, stdout, stderr, "OPTIONS");
    }
}
