namespace Hyperproxy.Location.Redis.Resp;

/// <summary>Outcome of parsing one reply from the front of a buffer.</summary>
internal enum RespParse : byte
{
    /// <summary>A whole reply: <c>consumed</c> bytes.</summary>
    Complete,

    /// <summary>The reply is not all here yet (<c>needed</c>: the total it takes, when the header said so; else 0).</summary>
    Incomplete,

    /// <summary>Not RESP2: the connection cannot be trusted past it.</summary>
    Garbage,
}
