using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Modules.Rr;

/// <summary>
/// Runs inside loose_route() when it reaches its end (OpenSIPS <c>register_rrcb</c>):
/// <paramref name="routeParams"/> are the parameters (without the leading ';') of the Route URI
/// that was processed — ours, the second of a double entry, or a foreign top Route.
/// Must not allocate.
/// </summary>
public delegate void RrCallback(ScriptContext context, ReadOnlySpan<byte> routeParams, object? parameter);
