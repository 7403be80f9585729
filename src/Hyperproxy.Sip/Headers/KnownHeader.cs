namespace Hyperproxy.Sip.Headers;

/// <summary>One row of <see cref="KnownHeaders.All"/>: a header's canonical name, its compact form (or '\0') and its id.</summary>
/// <param name="Name">The long form as the RFC writes it (recognised in any letter case).</param>
/// <param name="Compact">The one-letter compact form (RFC 3261 §7.3.3 and later RFCs), '\0' when there is none.</param>
/// <param name="Id">What <see cref="HeaderNames.Lookup"/> returns for either form.</param>
public readonly record struct KnownHeader(string Name, char Compact, HeaderId Id);
