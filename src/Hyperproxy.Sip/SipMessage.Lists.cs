using System.Runtime.CompilerServices;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sip;

/// <summary>Name-addr lists (Contact, Route, Record-Route, Path): the single-pass enumerator and the elements kept per message.</summary>
public sealed partial class SipMessage
{
    /// <summary>Elements kept per list; longer lists are parsed on from the last kept one.</summary>
    internal const int ListCapacity = 4;

    internal const int ListCountMask = 7;

    internal const int ListDone = 8;

    internal const int ListFailed = 16;

    /// <summary>Per list, 5 bits of <see cref="_cached"/> from here (count, done, failed): Parse clears them with the rest.</summary>
    private const int ListStateShift = 8;

    private const int ListStateBits = 5;

    private readonly ListElement[] _listElements = new ListElement[4 * ListCapacity];

    private readonly HeaderValue[] _listFailures = new HeaderValue[4];

    /// <summary>
    /// The name-addr elements of every header with this id, each parsed once where it stands (see
    /// <see cref="NameAddrEnumerator"/>). The first elements of Contact, Route, Record-Route and Path are kept on the
    /// message, so enumerating again, <see cref="Validate"/> and <see cref="GetFirst"/> share one parse.
    /// </summary>
    public NameAddrEnumerator NameAddrs(HeaderId id) => new(this, id);

    /// <summary>The first Contact element, parsed once per message: None, <see cref="SipError.HeaderNotFound"/> or <see cref="SipError.BadContact"/>.</summary>
    public SipError GetFirstContact(out NameAddr contact) => GetFirst(HeaderId.Contact, out contact);

    /// <summary>The first Route element, parsed once per message: None, <see cref="SipError.HeaderNotFound"/> or <see cref="SipError.BadRoute"/>.</summary>
    public SipError GetFirstRoute(out NameAddr route) => GetFirst(HeaderId.Route, out route);

    /// <summary>
    /// The first name-addr element of a list header: None, <see cref="SipError.HeaderNotFound"/> when there is no element,
    /// or the header's Bad* error when the first element is malformed (or is <c>*</c> outside Contact).
    /// </summary>
    public SipError GetFirst(HeaderId id, out NameAddr element)
    {
        int slot = ListSlot(id);
        if (slot >= 0 && (ListState(slot) & ListCountMask) != 0)
        {
            element = _listElements[slot * ListCapacity].Value;
        }
        else
        {
            NameAddrEnumerator e = NameAddrs(id);
            if (!e.MoveNext())
            {
                element = default;
                return e.Failed ? BadListError(id) : SipError.HeaderNotFound;
            }

            element = e.Current;
        }

        return element.IsStar && id != HeaderId.Contact ? BadListError(id) : SipError.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ListSlot(HeaderId id) => id switch
    {
        HeaderId.Contact => 0,
        HeaderId.Route => 1,
        HeaderId.RecordRoute => 2,
        HeaderId.Path => 3,
        _ => -1,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int ListState(int slot) => (_cached >> (ListStateShift + (slot * ListStateBits))) & ((1 << ListStateBits) - 1);

    internal ref readonly ListElement CachedElement(int slot, int ordinal) => ref _listElements[(slot * ListCapacity) + ordinal];

    internal HeaderValue ListFailure(int slot) => _listFailures[slot];

    /// <summary>Keeps element <paramref name="ordinal"/> (every earlier one is kept already).</summary>
    internal void KeepElement(int slot, int ordinal, in NameAddr value, int headerIndex, int next, int end)
    {
        if (ordinal >= ListCapacity)
        {
            return;
        }

        ref ListElement e = ref _listElements[(slot * ListCapacity) + ordinal];
        e.Value = value;
        e.HeaderIndex = headerIndex;
        e.Next = next;
        e.End = end;
        _cached += 1 << (ListStateShift + (slot * ListStateBits));
    }

    /// <summary>Records that the list ends after the kept elements (cleanly or at a malformed element).</summary>
    internal void KeepListEnd(int slot, bool failed, HeaderValue failure)
    {
        int bits = ListDone;
        if (failed)
        {
            bits |= ListFailed;
            _listFailures[slot] = failure;
        }

        _cached |= bits << (ListStateShift + (slot * ListStateBits));
    }

    private static SipError BadListError(HeaderId id) => id switch
    {
        HeaderId.Contact => SipError.BadContact,
        HeaderId.Route => SipError.BadRoute,
        HeaderId.RecordRoute => SipError.BadRecordRoute,
        HeaderId.Path => SipError.BadPath,
        _ => SipError.BadNameAddr,
    };

    private SipError ValidateList(HeaderId id, SipError bad)
    {
        NameAddrEnumerator e = NameAddrs(id);
        while (e.MoveNext())
        {
            if (id != HeaderId.Contact && e.Current.IsStar)
            {
                ErrorHeaderName = _headers[e.HeaderIndex].Name;
                return Fail(bad, e.Current.Value.Start);
            }
        }

        if (e.Failed)
        {
            ErrorHeaderName = _headers[e.FailedValue.HeaderIndex].Name;
            return Fail(bad, e.FailedValue.Value.Start);
        }

        return SipError.None;
    }
}
