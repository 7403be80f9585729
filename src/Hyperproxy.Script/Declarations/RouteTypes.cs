namespace Hyperproxy.Script.Declarations;

/// <summary>Kinds of route block; as flags, the set of blocks a function or variable may be used in.</summary>
[Flags]
public enum RouteTypes
{
    None = 0,
    /// <summary><c>route</c> blocks: requests.</summary>
    Request = 1 << 0,
    Branch = 1 << 1,
    Failure = 1 << 2,
    OnReply = 1 << 3,
    Error = 1 << 4,
    Local = 1 << 5,
    Startup = 1 << 6,
    Timer = 1 << 7,
    Event = 1 << 8,

    /// <summary>Every block that processes a SIP message.</summary>
    AnyMessage = Request | Branch | Failure | OnReply | Error | Local,
    All = AnyMessage | Startup | Timer | Event,
}
