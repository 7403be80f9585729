namespace Hyperproxy.Sip;

/// <summary>One header line in the index: its id, raw name, trimmed value (may span folded lines) and whole line incl. CRLF.</summary>
public readonly record struct HeaderEntry(HeaderId Id, TextRange Name, TextRange Value, TextRange Line);
