using Hyperproxy.Sak.Ua;

namespace Hyperproxy.Sak.Modes;

/// <summary>-M: one MESSAGE with the -B body (and -O disposition) to the target.</summary>
public static class MessageMode
{
    public const string DefaultBody = "This is a hypersak test message.";

    public static int Run(UserAgent ua, TextWriter stdout, TextWriter stderr)
    {
        SipRequest request = ua.NewRequest("MESSAGE", ua.Target.Uri, ua.Target.Uri);
        request.Body = ua.Options.Body ?? DefaultBody;
        request.Disposition = ua.Options.Disposition;
        TransactionResult result = ua.SendWithAuth(request);
        return Outcome.Report(ua.Options, result, stdout, stderr, "MESSAGE");
    }
}
