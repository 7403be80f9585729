using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Nathelper;

/// <summary>What the pinger needs to know about one listening socket: UDP or not, its family, the address a ping's Via advertises.</summary>
public readonly record struct NatPingSocket(bool IsUdp, NetAddressFamily Family, byte[] AdvertisedHost, int AdvertisedPort);
