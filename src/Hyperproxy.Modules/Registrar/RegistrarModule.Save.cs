using Hyperproxy.Location;
using Hyperproxy.Modules.Path;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Modules.Registrar;

/// <summary>save(domain[, flags[, aor]]): RFC 3261 §10.3 in OpenSIPS's order (spec §4.3).</summary>
public sealed partial class RegistrarModule
{
    private int SaveFunction(ScriptContext context, CallArguments a)
    {
        SaveFlags flags = a.Count > 1 && a.Fixed(1) is SaveFlags f ? f : SaveFlags.Default;
        int result = Save(context, flags, a.Count > 2 ? a.Bytes(context, 2) : default);
        if (!context.Suspended)
        {
            (result == -2 ? _rejectedRegs : _acceptedRegs).Increment(context.Worker);
        }

        return result;
    }

    /// <summary>
    /// Processes the REGISTER of <paramref name="context"/> and sends the reply itself (unless no-reply):
    /// 1 success (reply sent), -2 error (error reply sent), -1 success but the reply could not be sent.
    /// </summary>
    public int Save(ScriptContext context, SaveFlags flags, ReadOnlySpan<byte> aorUri)
    {
        RegistrarState s = State(context);
        s.Flags = flags;
        s.Message = context.Message;
        s.Now = Clock.UnixSeconds;
        s.Socket = context.Socket;
        s.BranchFlags = context.BranchFlags;
        s.MaxContacts = flags.MaxContacts >= 0 ? flags.MaxContacts : MaxContacts;
        s.MatchingMode = flags.MatchingMode >= 0 ? flags.MatchingMode : MatchingMode;
        RegistrarError error = Prepare(context, s, aorUri, out bool star, out bool query);
        if (error != RegistrarError.None)
        {
            return Answer(context, s, error, default, listBindings: false);
        }

        ILocationSession session = s.EnsureSession();
        ReadOnlySpan<byte> aor = s.Aor.AsSpan(0, s.AorLength);
        if (context.Host.CanPark && session is IFetchingSession fetching)
        {
            return SaveParked(context, s, fetching, aor, star, query);
        }

        CommitTicket ticket = default;
        if (star)
        {
            UpdateStatus deleted = session.Delete(aor, out ticket);
            return Answer(context, s, deleted == UpdateStatus.Failed ? RegistrarError.StoreFailed : RegistrarError.None, ticket, listBindings: false);
        }

        if (query)
        {
            return Answer(context, s, ReadRecord(s, aor) ? RegistrarError.None : RegistrarError.StoreFailed, default, listBindings: true);
        }

        var updater = new SaveUpdater { State = s };
        UpdateStatus status = session.Update(aor, ref updater, out ticket);
        error = status is UpdateStatus.Failed or UpdateStatus.BadLength ? RegistrarError.StoreFailed : s.Error;
        return Answer(context, s, error, ticket, listBindings: true);
    }

    /// <summary>
    /// save() on a store across the network (Redis): the worker does not wait. The request is parked while its
    /// record is fetched and again while its compare-and-set (and, with durability sync, the replica's WAIT) is
    /// answered; each time it runs again from the start of the route and this goes one step further (see
    /// <see cref="IFetchingSession.UpdateOrStart"/>). The reply leaves once the write is answered: a 200 only for
    /// a binding stored, a 500 with Retry-After when the store failed, timed out or no replica acknowledged.
    /// </summary>
    private int SaveParked(ScriptContext context, RegistrarState s, IFetchingSession fetching, ReadOnlySpan<byte> aor, bool star, bool query)
    {
        if (query)
        {
            ReadStatus read = FetchRecord(s, fetching);
            return read switch
            {
                ReadStatus.Pending => context.Suspend(s.Parking(fetching)),
                ReadStatus.Failed => Answer(context, s, RegistrarError.StoreFailed, default, listBindings: true),
                _ => Answer(context, s, RegistrarError.None, default, listBindings: true),
            };
        }

        Span<byte> name = stackalloc byte[RequestNameBytes];
        int nameLength = WriteRequestName(s.Message, name);
        UpdateStatus status;
        ReadOnlySpan<byte> stored;
        int note;
        if (star)
        {
            var all = default(StarUpdater);
            status = fetching.UpdateOrStart(aor, name[..nameLength], ref all, out stored, out note);
        }
        else
        {
            var updater = new SaveUpdater { State = s };
            status = fetching.UpdateOrStart(aor, name[..nameLength], ref updater, out stored, out note);
        }

        RegistrarError error;
        switch (status)
        {
            case UpdateStatus.Pending:
                return context.Suspend(s.Parking(fetching));
            case UpdateStatus.Written:
            case UpdateStatus.Deleted:
                s.SetRecord(stored);
                error = star ? RegistrarError.None : (RegistrarError)note;
                break;
            case UpdateStatus.Unchanged:
                error = star ? RegistrarError.None : s.Error;
                break;
            default:
                error = RegistrarError.StoreFailed;
                break;
        }

        return Answer(context, s, error, default, listBindings: !star);
    }

    private const int RequestNameBytes = 256 + 12;

    /// <summary>What names this request among the parked writes: "Call-ID CSeq" (remove() adds its rank).</summary>
    private static int WriteRequestName(SipMessage m, Span<byte> name)
    {
        ReadOnlySpan<byte> callId = m.Span(m.CallId);
        if (callId.Length > 255)
        {
            callId = callId[..255];
        }

        callId.CopyTo(name);
        int n = callId.Length;
        name[n++] = (byte)' ';
        n += ScriptText.WriteInt((int)m.CSeqNumber, name[n..]);
        return n;
    }

    /// <summary>Reads the AoR's record into the state (growing the buffer when needed); false on a store failure.</summary>
    internal static bool ReadRecord(RegistrarState s, ReadOnlySpan<byte> aor)
    {
        ILocationSession session = s.EnsureSession();
        while (true)
        {
            ReadStatus read = session.Read(aor, s.RecordBuffer, out int length);
            switch (read)
            {
                case ReadStatus.Found:
                    s.SetRecordLength(length);
                    return true;
                case ReadStatus.NotFound:
                    s.SetRecordLength(0);
                    return true;
                case ReadStatus.BufferTooSmall:
                    s.Grow(length);
                    continue;
                default:
                    s.SetRecordLength(0);
                    return false;
            }
        }
    }

    /// <summary>Steps 2–7 of spec §4.3: header checks, contacts, AoR, per-request info; nothing stored yet.</summary>
    private RegistrarError Prepare(ScriptContext context, RegistrarState s, ReadOnlySpan<byte> aorUri, out bool star, out bool query)
    {
        star = false;
        query = false;
        SipMessage m = context.Message;
        if (!m.Has(HeaderId.To) || m.GetTo(out NameAddr to) != SipError.None)
        {
            return RegistrarError.ToMissing;
        }

        if (!m.Has(HeaderId.CallId) || !m.CallId.IsPresent)
        {
            return RegistrarError.CallIdMissing;
        }

        if (!m.Has(HeaderId.CSeq))
        {
            return RegistrarError.CSeqMissing;
        }

        int headerExpires = -1;
        if (m.Has(HeaderId.Expires))
        {
            if (!SipText.TryParseUInt(Trim(m.HeaderValue(HeaderId.Expires)), int.MaxValue, out uint e))
            {
                return RegistrarError.ExpiresParse;
            }

            headerExpires = (int)e;
        }

        RegistrarError error = ReadContacts(s, m, headerExpires, out star);
        if (error == RegistrarError.None && !star)
        {
            error = DecideOutbound(s, m);
        }

        if (error != RegistrarError.None)
        {
            return error;
        }

        error = TryWriteAor(aorUri.IsEmpty ? m.Span(to.Uri) : aorUri, s.Aor, out s.AorLength);
        if (error != RegistrarError.None || star)
        {
            return error;
        }

        query = s.ContactCount == 0;
        if (query)
        {
            return RegistrarError.None;
        }

        ReadOnlySpan<byte> callId = m.Span(m.CallId);
        if (callId.Length > 255)
        {
            return RegistrarError.CallIdTooLong;
        }

        s.CallId = m.CallId;
        s.CSeq = m.CSeqNumber;
        ReadOnlySpan<byte> ua = Trim(m.HeaderValue(HeaderId.UserAgent));
        if (ua.Length is > 0 and < 255)
        {
            ua.CopyTo(s.UserAgent);
            s.UserAgentLength = ua.Length;
        }

        s.Methods = MethodMask.FromAllow(m);
        if (s.Outbound && !m.Has(HeaderId.Path))
        {
            WriteFlowReceived(context, s);
        }

        error = s.Flags.Path == PathMode.Ignore ? RegistrarError.None : ReadPath(s, m);
        return error != RegistrarError.None ? error : ReadReceivedAvp(context, s);
    }

    /// <summary>
    /// The <c>received_avp</c> value, read once per request when a contact to be stored has no received of
    /// its own and path-received gave none (spec §4.3 step 8): a string AVP of 1..255 bytes; longer is 400
    /// "Contact/received too long". OpenSIPS finds that error while storing the contacts, after earlier
    /// ones of the request may have been saved; here it comes before the store is touched.
    /// </summary>
    private RegistrarError ReadReceivedAvp(ScriptContext context, RegistrarState s)
    {
        s.AvpReceivedLength = 0;
        if (_receivedAvpSlot < 0 || s.PathReceivedLength > 0)
        {
            return RegistrarError.None;
        }

        bool needed = false;
        for (int i = 0; i < s.ContactCount; i++)
        {
            ref RequestContact r = ref s.Contacts[i];
            if (r.Expires != 0 && !r.Received.IsPresent)
            {
                needed = true;
                break;
            }
        }

        if (!needed)
        {
            return RegistrarError.None;
        }

        ScriptValue value = context.AvpValue(_receivedAvpSlot);
        if (!value.HasString || value.Length == 0)
        {
            return RegistrarError.None;
        }

        if (value.Length > s.AvpReceived.Length)
        {
            return RegistrarError.ContactTooLong;
        }

        value.Span.CopyTo(s.AvpReceived);
        s.AvpReceivedLength = value.Length;
        return RegistrarError.None;
    }

    /// <summary>
    /// RFC 5626 §6 with <c>outbound_mode</c> on: a REGISTER with Supported (or Require): outbound and a Contact with
    /// reg-id is an outbound registration when its first hop did outbound (the first Path URI has <c>ob</c>, or there
    /// is no Path and a single Via: we are the first hop), else 439; reg-id needs +sip.instance (400). Without
    /// outbound every reg-id is ignored (mode 2: 421 when the UA does not support outbound).
    /// </summary>
    private RegistrarError DecideOutbound(RegistrarState s, SipMessage m)
    {
        s.Outbound = false;
        bool supported = OutboundMode != 0
            && (OptionTags.Contains(m, HeaderId.Supported, RegistrarStrings.OutboundTag) || OptionTags.Contains(m, HeaderId.Require, RegistrarStrings.OutboundTag));
        bool regIds = false;
        for (int i = 0; i < s.ContactCount && supported; i++)
        {
            ref RequestContact r = ref s.Contacts[i];
            if (r.RegId >= 0)
            {
                if (!r.Instance.IsPresent)
                {
                    return RegistrarError.BadRegId;
                }

                regIds = true;
            }
        }

        if (!supported || !regIds)
        {
            for (int i = 0; i < s.ContactCount; i++)
            {
                s.Contacts[i].RegId = -1;
            }

            return !supported && OutboundMode == 2 && s.ContactCount > 0 ? RegistrarError.OutboundRequired : RegistrarError.None;
        }

        if (!FirstHopDidOutbound(m))
        {
            return RegistrarError.FirstHopLacksOutbound;
        }

        s.Outbound = true;
        return RegistrarError.None;
    }

    /// <summary>
    /// We are the first hop of an outbound REGISTER: the flow is the source address over the socket it came on (and, over
    /// TCP/TLS, the connection lookup() will only ever use again), kept as the binding's received.
    /// </summary>
    private static void WriteFlowReceived(ScriptContext context, RegistrarState s)
    {
        Span<byte> into = s.FlowReceived;
        "sip:"u8.CopyTo(into);
        if (!context.Source.TryFormat(into[4..], out int n))
        {
            return;
        }

        n += 4;
        ReadOnlySpan<byte> transport = context.Host.SocketTransport(context.Socket);
        if (!transport.IsEmpty && n + 11 + transport.Length <= into.Length)
        {
            ";transport="u8.CopyTo(into[n..]);
            n += 11;
            transport.CopyTo(into[n..]);
            n += transport.Length;
        }

        s.FlowReceivedLength = n;
    }

    /// <summary>The first Path URI carries <c>ob</c>; without Path, the REGISTER has one Via (we are its first hop).</summary>
    internal static bool FirstHopDidOutbound(SipMessage m)
    {
        if (m.Has(HeaderId.Path))
        {
            if (m.GetFirst(HeaderId.Path, out NameAddr first) != SipError.None)
            {
                return false;
            }

            ReadOnlySpan<byte> text = m.Span(first.Uri);
            return SipUri.TryParse(text, out SipUri uri) && uri.Params.IsPresent
                && SipParams.TryFind(text.Slice(uri.Params.Start, uri.Params.Length), "ob"u8, out _);
        }

        int vias = 0;
        foreach (HeaderValue _ in m.Values(HeaderId.Via))
        {
            if (++vias > 1)
            {
                return false;
            }
        }

        return vias == 1;
    }

    /// <summary>Step 3 and the per-contact expires/q/received of step 8.</summary>
    private RegistrarError ReadContacts(RegistrarState s, SipMessage m, int headerExpires, out bool star)
    {
        star = false;
        int minExpires = s.Flags.MinExpires >= 0 ? s.Flags.MinExpires : MinExpires;
        int maxExpires = s.Flags.MaxExpires >= 0 ? s.Flags.MaxExpires : MaxExpires;
        NameAddrEnumerator e = m.NameAddrs(HeaderId.Contact);
        int index = 0;
        while (e.MoveNext())
        {
            ref readonly NameAddr na = ref e.Current;
            if (na.IsStar)
            {
                if (index > 0)
                {
                    return RegistrarError.StarMoreContacts;
                }

                if (headerExpires != 0)
                {
                    return RegistrarError.StarExpiresNotZero;
                }

                star = true;
                index++;
                continue;
            }

            if (star)
            {
                return RegistrarError.StarMoreContacts;
            }

            if (s.ContactCount == RegistrarState.MaxRequestContacts)
            {
                return RegistrarError.ContactParse;
            }

            ref RequestContact r = ref s.Contacts[s.ContactCount];
            r.Uri = na.Uri;
            r.Instance = na.Instance;
            r.RegId = -1;
            if (na.RegId.IsPresent)
            {
                if (!SipText.TryParseUInt(m.Span(na.RegId), int.MaxValue, out uint regId))
                {
                    return RegistrarError.BadRegId;
                }

                r.RegId = (int)regId;
            }

            r.Received = TextRange.None;
            if (na.Params.IsPresent && SipParams.TryFind(m.Span(na.Params), ReceivedName, out TextRange received) && received.IsPresent)
            {
                r.Received = Unquote(received.Offset(na.Params.Start), m);
            }

            // Quirk kept from OpenSIPS: only Contact values after the first are length-checked.
            if (index > 0 && (na.Uri.Length > MaxContactLength || r.Received.Length > 255))
            {
                return RegistrarError.ContactTooLong;
            }

            int expires;
            ReadOnlySpan<byte> param = na.Expires.IsPresent ? m.Span(na.Expires) : default;
            if (!param.IsEmpty)
            {
                expires = SipText.TryParseUInt(param, int.MaxValue, out uint v) ? (int)v : DefaultExpires;
            }
            else
            {
                expires = headerExpires >= 0 ? headerExpires : DefaultExpires;
            }

            if (expires != 0)
            {
                // expires_max_deviation: spread re-registrations by a random ± deviation, then clamp (spec §4.1).
                if (ExpiresMaxDeviation > 0)
                {
                    expires = Math.Max(1, expires + s.NextDeviation(ExpiresMaxDeviation));
                }

                if (minExpires != 0 && expires < minExpires)
                {
                    expires = minExpires;
                }

                if (maxExpires != 0 && expires > maxExpires)
                {
                    expires = maxExpires;
                }
            }

            r.Expires = expires;
            r.Q = DefaultQ;
            if (na.Q.IsPresent && !TryParseQ(m.Span(na.Q), out r.Q))
            {
                return RegistrarError.InvalidQ;
            }

            s.ContactCount++;
            index++;
        }

        return e.Failed ? RegistrarError.ContactParse : RegistrarError.None;
    }

    /// <summary>Step 7's Path: every Path URI (the first must be loose-routing), and path-received.</summary>
    private static RegistrarError ReadPath(RegistrarState s, SipMessage m)
    {
        NameAddrEnumerator e = m.NameAddrs(HeaderId.Path);
        int joined = 0;
        while (e.MoveNext())
        {
            ref readonly NameAddr na = ref e.Current;
            if (s.PathCount == RegistrarState.MaxPath)
            {
                return RegistrarError.PathParse;
            }

            joined += na.Value.Length + (s.PathCount > 0 ? 1 : 0);
            s.Path[s.PathCount] = na.Uri;
            s.PathElements[s.PathCount] = na.Value;
            s.PathCount++;
        }

        if (e.Failed || joined >= 255)
        {
            return RegistrarError.PathParse;
        }

        if (s.PathCount == 0)
        {
            return RegistrarError.None;
        }

        ReadOnlySpan<byte> first = m.Span(s.Path[0]);
        if (!SipUri.TryParse(first, out SipUri firstUri) || !firstUri.Lr)
        {
            return RegistrarError.PathParse;
        }

        if (!s.Flags.PathReceived)
        {
            return RegistrarError.None;
        }

        ReadOnlySpan<byte> chosen = first;
        SipUri chosenUri = firstUri;
        if (firstUri.Params.IsPresent && SipParams.TryFind(first.Slice(firstUri.Params.Start, firstUri.Params.Length), R2Name, out _) && s.PathCount > 1)
        {
            chosen = m.Span(s.Path[1]);
            if (!SipUri.TryParse(chosen, out chosenUri))
            {
                return RegistrarError.PathParse;
            }
        }

        if (chosenUri.Params.IsPresent)
        {
            ReadOnlySpan<byte> parameters = chosen.Slice(chosenUri.Params.Start, chosenUri.Params.Length);
            if (SipParams.TryFind(parameters, ReceivedName, out TextRange value) && value.IsPresent && value.Length > 0)
            {
                ReadOnlySpan<byte> v = parameters.Slice(value.Start, value.Length);
                if (v.Length > 1 && v[0] == (byte)'"' && v[^1] == (byte)'"')
                {
                    v = v[1..^1];
                }

                int n = PathModule.Unescape(v, s.PathReceived);
                if (n < 0)
                {
                    return RegistrarError.ContactTooLong;
                }

                s.PathReceivedLength = n;
            }
        }

        return RegistrarError.None;
    }

    /// <summary>q = 0..1 with up to three decimals, in thousandths.</summary>
    internal static bool TryParseQ(ReadOnlySpan<byte> text, out short q)
    {
        q = -1;
        if (text.IsEmpty || !SipText.IsDigit(text[0]) || text[0] > (byte)'1')
        {
            return false;
        }

        int value = (text[0] - '0') * 1000;
        if (text.Length > 1)
        {
            if (text[1] != (byte)'.' || text.Length > 5)
            {
                return false;
            }

            int scale = 100;
            for (int i = 2; i < text.Length; i++, scale /= 10)
            {
                if (!SipText.IsDigit(text[i]))
                {
                    return false;
                }

                value += (text[i] - '0') * scale;
            }
        }

        if (value > 1000)
        {
            return false;
        }

        q = (short)value;
        return true;
    }

    private static TextRange Unquote(TextRange range, SipMessage m)
    {
        ReadOnlySpan<byte> v = m.Span(range);
        return v.Length > 1 && v[0] == (byte)'"' && v[^1] == (byte)'"' ? new TextRange(range.Start + 1, range.Length - 2) : range;
    }

    private static ReadOnlySpan<byte> ReceivedName => "received"u8;

    private static ReadOnlySpan<byte> R2Name => "r2"u8;
}
