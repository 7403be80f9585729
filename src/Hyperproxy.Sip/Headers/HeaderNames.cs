using System.Runtime.CompilerServices;

namespace Hyperproxy.Sip.Headers;

/// <summary>
/// Maps raw header names (any case, compact forms) to <see cref="HeaderId"/>. <c>Lookup</c>, the compact
/// forms and the canonical names are generated from <see cref="KnownHeaders.All"/> into
/// <c>HeaderNames.Generated.cs</c> (as Kestrel generates its known headers): a switch on the length, then
/// on the first letter, then one eight-bytes-at-a-time compare. A test regenerates the file and fails when
/// the checked-in copy differs, so a name cannot sit under the wrong length.
/// </summary>
public static partial class HeaderNames
{
    /// <summary>Compares <paramref name="name"/> with a lower-case letters-and-dashes literal of the same length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lower) => SipText.EqualsLower(name, lower);
}
