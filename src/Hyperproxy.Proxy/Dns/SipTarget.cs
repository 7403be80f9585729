using System.Net;

namespace Hyperproxy.Proxy.Dns;

/// <summary>One target of a located next hop, in the order to try.</summary>
public readonly record struct SipTarget(IPAddress Address, int Port);
