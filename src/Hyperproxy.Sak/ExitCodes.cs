namespace Hyperproxy.Sak;

/// <summary>
/// SIPSAK's exit codes (sipsak(1), RETURN VALUES): 0 a 2xx was received, 1 something other
/// than 1xx/2xx was received, 2 local error (bad option, unresolvable name), 3 remote error
/// (no answer, ICMP error). With -N (Nagios): 0 ok, 1 warning (retransmissions), 2 any error.
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int NonSuccess = 1;
    public const int LocalError = 2;
    public const int RemoteError = 3;

    public const int NagiosOk = 0;
    public const int NagiosWarning = 1;
    public const int NagiosCritical = 2;
}
