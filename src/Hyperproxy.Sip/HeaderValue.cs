namespace Hyperproxy.Sip;

/// <summary>One element of a comma-separated header list: the header line it came from and its trimmed range.</summary>
public readonly record struct HeaderValue(int HeaderIndex, TextRange Value);
