using System.Buffers.Binary;
using System.Numerics;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Proxy;

/// <summary>
/// The branch of the Via a stateless proxy adds (RFC 3261 §16.11): the same for every
/// retransmission of a request and for the CANCEL / non-2xx ACK of an INVITE (so they follow the
/// same path), different for different requests. Seeded by the incoming top Via branch when it
/// carries the RFC 3261 magic cookie, else by the RFC 2543 transaction key (From tag, To tag,
/// Call-ID, CSeq number, Request-URI, top Via), mixed with Call-ID and CSeq number.
/// Output: <c>z9hG4bKhp</c> + 16 hex digits of that transaction key + "." + 8 hex digits of the
/// loop key (RFC 3261 §16.6 step 8): a hash of what steers routing (Request-URI, Call-ID, From
/// tag, To tag, CSeq number, Route set), so a request that comes back unchanged is a loop (482)
/// while one whose Request-URI or Route set changed is a spiral and passes (§16.3 step 4).
/// </summary>
public static class StatelessBranch
{
    public const int Length = 9 + 16 + 1 + 8;

    /// <summary>Where the loop key starts in a branch we wrote.</summary>
    public const int LoopKeyOffset = 9 + 16 + 1;

    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;

    private static ReadOnlySpan<byte> Prefix => "z9hG4bKhp"u8;

    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    /// <summary>Writes the branch for <paramref name="request"/> (parsed, with a valid top Via) into <paramref name="destination"/>.</summary>
    public static bool TryWrite(SipMessage request, Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            return false;
        }

        Prefix.CopyTo(destination);
        WriteHex(Key(request), destination.Slice(Prefix.Length, 16));
        destination[LoopKeyOffset - 1] = (byte)'.';
        WriteHex(LoopKey(request), destination.Slice(LoopKeyOffset, 8));
        return true;
    }

    /// <summary>
    /// True when <paramref name="branch"/> is one of ours (same shape) and carries the loop key
    /// written at <paramref name="ours"/>.<see cref="LoopKeyOffset"/>.
    /// </summary>
    public static bool SameLoopKey(ReadOnlySpan<byte> branch, ReadOnlySpan<byte> ours) =>
        branch.Length == Length && branch.StartsWith(Prefix)
        && branch.Slice(LoopKeyOffset).SequenceEqual(ours.Slice(LoopKeyOffset, 8));

    /// <summary>
    /// The 32-bit hash of what steers this request's routing: Request-URI, Call-ID, tags, CSeq number and the
    /// Route set as received. A loose-routed request that passes us twice on its way (an in-dialog ACK going
    /// edge → registrar → edge, with the same Request-URI both times) carries a shorter Route set the second
    /// time, so it is a spiral; one that comes back with the same Route set is a loop.
    /// </summary>
    public static uint LoopKey(SipMessage request)
    {
        ulong h = Mix(0x13198A2E03707344UL, request.Span(request.RequestUri));
        h = Mix(h, request.Span(request.CallId));
        h = Mix(h, request.Span(request.FromTag));
        h = Mix(h, request.Span(request.ToTag));
        h = Step(h, request.CSeqNumber);
        foreach (HeaderValue route in request.Values(HeaderId.Route))
        {
            h = Mix(h, request.Span(route.Value));
        }

        return (uint)Finish(h);
    }

    /// <summary>A to-tag for stateless replies: the same for retransmissions, different per request.</summary>
    public static bool TryWriteToTag(SipMessage request, Span<byte> destination, out int written)
    {
        written = 16;
        if (destination.Length < written)
        {
            return false;
        }

        WriteHex(Finish(Mix(Key(request), request.Span(request.FromTag))), destination[..16]);
        return true;
    }

    private static void WriteHex(ulong value, Span<byte> digits)
    {
        for (int i = digits.Length - 1; i >= 0; i--)
        {
            digits[i] = Hex[(int)(value & 0xF)];
            value >>= 4;
        }
    }

    /// <summary>The 64-bit transaction key the branch is printed from.</summary>
    public static ulong Key(SipMessage request)
    {
        ulong h = Mix(0x243F6A8885A308D3UL, request.Span(request.CallId));
        h = Step(h, request.CSeqNumber);
        if (request.GetTopVia(out ViaHeader via) == SipError.None && via.Branch.IsPresent
            && request.Span(via.Branch).StartsWith("z9hG4bK"u8))
        {
            return Finish(Mix(h, request.Span(via.Branch)));
        }

        // RFC 2543 peer: the transaction is identified by its headers.
        h = Mix(h, request.Span(request.FromTag));
        h = Mix(h, request.Span(request.ToTag));
        h = Mix(h, request.Span(request.RequestUri));
        if (request.GetTopVia(out via) == SipError.None)
        {
            h = Mix(h, request.Span(via.Value));
        }

        return Finish(h);
    }

    private static ulong Mix(ulong h, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            h = Step(h, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        ulong tail = (ulong)data.Length << 56;
        for (int i = 0; i < data.Length; i++)
        {
            tail |= (ulong)data[i] << (8 * i);
        }

        return Step(h, tail);
    }

    private static ulong Step(ulong h, ulong v)
    {
        h ^= BitOperations.RotateLeft(v * Prime2, 31) * Prime1;
        return BitOperations.RotateLeft(h, 27) * Prime1 + 0x165667B19E3779F9UL;
    }

    private static ulong Finish(ulong h)
    {
        h ^= h >> 33;
        h *= Prime2;
        h ^= h >> 29;
        h *= 0x165667B19E3779F9UL;
        h ^= h >> 32;
        return h;
    }
}
