namespace Hyperproxy.Modules.Registrar;

/// <summary>What save() does with the Path of a REGISTER (RFC 3327): without a mode it is ignored.</summary>
public enum PathMode : byte
{
    /// <summary>No path flag: Path headers are neither stored nor echoed.</summary>
    Ignore,

    /// <summary><c>p0</c> / <c>path-off</c>: store, never echo.</summary>
    Off,

    /// <summary><c>p1</c> / <c>path-lazy</c>: store; echo in the 200 OK only with <c>Supported: path</c>.</summary>
    Lazy,

    /// <summary><c>p2</c> / <c>path-strict</c>: store; without <c>Supported: path</c> the reply is 420.</summary>
    Strict,
}
