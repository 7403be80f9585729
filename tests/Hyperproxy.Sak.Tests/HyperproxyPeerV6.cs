namespace Hyperproxy.Sak.Tests;

/// <summary>The Hyperproxy server listening on udp:[::1]:PORT.</summary>
public sealed class HyperproxyPeerV6 : HyperproxyPeer
{
    public HyperproxyPeerV6()
        : base("[::1]")
    {
    }
}
