namespace Hyperproxy.Proxy;

/// <summary>
/// Why forward()/send() could not route a request (or why a next hop is not usable); mapped to the
/// reply sl_reply_error() sends and to the script's return code by <see cref="RouteErrors"/>.
/// </summary>
public enum RouteError : byte
{
    /// <summary>Routed (or, for a next-hop lookup, resolved).</summary>
    None,

    /// <summary>forward() on a reply: nothing to route, nothing to answer.</summary>
    NotRequest,

    /// <summary>A Route entry that is no name-addr with a SIP URI.</summary>
    BadRoute,

    /// <summary>The Request-URI (or the Route target) is no SIP URI.</summary>
    BadRequestUri,

    /// <summary><c>$du</c> is no SIP URI.</summary>
    BadDestination,

    /// <summary>The name is being resolved: dropped now, the retransmission finds the answer.</summary>
    ResolutionPending,

    /// <summary>No address for the host (a failed lookup, or a numeric host that is no address).</summary>
    Unresolvable,

    /// <summary>Not a sip: URI (sips:, tel:, ...).</summary>
    UnsupportedScheme,

    /// <summary>A transport other than UDP.</summary>
    UnsupportedTransport,

    /// <summary>A broadcast, multicast or unspecified address.</summary>
    NotUnicast,

    /// <summary>No listen socket of the destination's address family.</summary>
    NoSocket,

    /// <summary>RFC 3261 §16.3 step 4: the request already carries our Via with this loop key.</summary>
    Loop,

    /// <summary>An edit did not fit (our Via, deferred Record-Route/Path, the new Request-URI).</summary>
    Internal,

    /// <summary>The outgoing batch is full or the edited message does not fit a slot (counted as OutputFull).</summary>
    OutputFull,

    /// <summary>RFC 5626: the request is for an outbound flow that is no longer alive (430 Flow Failed).</summary>
    FlowFailed,
}
