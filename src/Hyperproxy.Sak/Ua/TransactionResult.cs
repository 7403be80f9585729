namespace Hyperproxy.Sak.Ua;

/// <summary>The outcome of one client transaction.</summary>
public sealed class TransactionResult
{
    /// <summary>The final response, or null on timeout.</summary>
    public SipReply? Final { get; init; }

    /// <summary>The last provisional response, if any.</summary>
    public SipReply? Provisional { get; init; }

    /// <summary>How many times the request was sent again.</summary>
    public int Retransmissions { get; init; }

    /// <summary>The server challenged again after our credentials (wrong user or password): sipsak's exit 2.</summary>
    public bool AuthFailed { get; init; }

    public bool TimedOut => Final == null;

    public int StatusCode => Final?.StatusCode ?? 0;
}
