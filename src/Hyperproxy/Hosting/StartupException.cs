namespace Hyperproxy.Hosting;

/// <summary>A start-up failure an operator can act on: the message says what and why, no stack trace.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
