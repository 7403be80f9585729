namespace Hyperproxy.Modules.Nathelper;

/// <summary>The pinger's figures (written by the pinger thread; <see cref="Answered"/> by the workers, atomically).</summary>
public struct NatPingStats
{
    public long Rounds;
    public long SipPings;
    public long UdpPings;
    public long Answered;
    public long Lost;
    public long Removed;
    public long Unresolvable;
    public long TooLong;
    public long RingFull;
}
