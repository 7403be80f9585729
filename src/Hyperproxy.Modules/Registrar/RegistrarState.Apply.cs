using Hyperproxy.Location;
using Hyperproxy.Location.Records;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Registrar;

/// <summary>RFC 3261 §10.3 steps 6–8 as the "modify" of the store's read-modify-write (spec §4.3 step 8, §5.2, §5.3).</summary>
internal sealed partial class RegistrarState
{
    /// <summary>
    /// Rebuilds the AoR's record from <paramref name="current"/> and the request's contacts: matched
    /// bindings are updated or removed, new ones inserted in q order (equal q oldest first, unspecified
    /// after q=0), expired ones dropped. Runs under the record lock and may run more than once, so every
    /// result is recomputed from <paramref name="current"/>.
    /// </summary>
    public UpdateDecision Apply(ReadOnlySpan<byte> current, Span<byte> destination, out int length)
    {
        length = 0;
        Error = RegistrarError.None;
        SlotCount = 0;
        LocationRecordReader reader = default;
        bool hadRecord = !current.IsEmpty && LocationRecord.TryOpen(current, out reader) == RecordError.None;
        ReadOnlySpan<byte> message = Message.Bytes;
        ReadOnlySpan<byte> callId = message.Slice(CallId.Start, CallId.Length);
        if (hadRecord)
        {
            int index = 0;
            foreach (ContactView c in reader.GetAllContacts())
            {
                if (LocationRecord.IsValid(c.Expires, Now))
                {
                    Slots[SlotCount++] = new BindingSlot { Stored = index, Request = -1, Q = c.Q };
                }

                index++;
            }
        }

        bool changed = false;
        for (int i = 0; i < ContactCount; i++)
        {
            ref RequestContact r = ref Contacts[i];
            ReadOnlySpan<byte> uri = message.Slice(r.Uri.Start, r.Uri.Length);
            int match = Outbound && r.RegId >= 0 ? FindFlow(reader, in r) : FindMatch(reader, uri, callId);
            if (match >= 0)
            {
                ref BindingSlot slot = ref Slots[match];
                if (slot.Stored >= 0 && slot.Request < 0 && TryGetContact(reader, slot.Stored, out ContactView stored) && stored.CallId.SequenceEqual(callId))
                {
                    long cseq = (long)CSeq + (Module.AllowDupCSeq ? 1 : 0);
                    if (cseq < stored.CSeq || (cseq == stored.CSeq && !IsRetransmission(stored)))
                    {
                        Error = RegistrarError.InvalidCSeq;
                        break;
                    }

                    if (cseq == stored.CSeq)
                    {
                        continue; // a retransmission: skipped silently
                    }
                }

                if (r.Expires == 0)
                {
                    slot.Deleted = true;
                }
                else
                {
                    slot.Request = i;
                    slot.Q = r.Q;
                }

                changed = true;
                continue;
            }

            if (r.Expires == 0)
            {
                continue;
            }

            if (MaxContacts > 0 && CountLive() >= MaxContacts)
            {
                if (!Flags.Force)
                {
                    Error = RegistrarError.TooManyContacts;
                    if (!hadRecord)
                    {
                        changed = false; // the fresh AoR is not created at all
                    }

                    break;
                }

                EvictOne(hadRecord);
            }

            Insert(i, r.Q);
            changed = true;
        }

        if (!changed)
        {
            SetRecord(hadRecord ? current : default);
            return UpdateDecision.Keep;
        }

        var writer = new LocationRecordWriter(destination);
        for (int s = 0; s < SlotCount; s++)
        {
            ref BindingSlot slot = ref Slots[s];
            if (slot.Deleted)
            {
                continue;
            }

            if (slot.Request >= 0)
            {
                WriteBinding(ref writer, in Contacts[slot.Request]);
            }
            else if (TryGetContact(reader, slot.Stored, out ContactView stored))
            {
                writer.TryCopyContact(in stored);
            }
        }

        if (writer.Count == 0)
        {
            SetRecord(default);
            return hadRecord ? UpdateDecision.Delete : UpdateDecision.Keep;
        }

        length = writer.Finish();
        if (length < 0)
        {
            Error = RegistrarError.Internal;
            length = 0;
            SetRecord(hadRecord ? current : default);
            return UpdateDecision.Keep;
        }

        SetRecord(destination[..length]);
        return UpdateDecision.Write;
    }

    private bool IsRetransmission(in ContactView stored) =>
        Module.CSeqDelay > 0 && Now - stored.LastModified < Module.CSeqDelay;

    private int FindMatch(LocationRecordReader reader, ReadOnlySpan<byte> uri, ReadOnlySpan<byte> callId)
    {
        ReadOnlySpan<byte> message = Message.Bytes;
        for (int s = 0; s < SlotCount; s++)
        {
            ref BindingSlot slot = ref Slots[s];
            if (slot.Deleted)
            {
                continue;
            }

            if (slot.Request >= 0)
            {
                TextRange other = Contacts[slot.Request].Uri;
                if (SipUri.Equivalent(uri, message.Slice(other.Start, other.Length)))
                {
                    return s;
                }
            }
            else if (TryGetContact(reader, slot.Stored, out ContactView stored)
                && SipUri.Equivalent(uri, stored.Contact)
                && (MatchingMode == 0 || stored.CallId.SequenceEqual(callId)))
            {
                return s;
            }
        }

        return -1;
    }

    /// <summary>RFC 5626 §6: an outbound binding is the one with the same +sip.instance and reg-id, whatever its Contact URI.</summary>
    private int FindFlow(LocationRecordReader reader, in RequestContact r)
    {
        ReadOnlySpan<byte> message = Message.Bytes;
        ReadOnlySpan<byte> instance = message.Slice(r.Instance.Start, r.Instance.Length);
        for (int s = 0; s < SlotCount; s++)
        {
            ref BindingSlot slot = ref Slots[s];
            if (slot.Deleted)
            {
                continue;
            }

            if (slot.Request >= 0)
            {
                ref RequestContact other = ref Contacts[slot.Request];
                if (other.RegId == r.RegId && other.Instance.IsPresent && message.Slice(other.Instance.Start, other.Instance.Length).SequenceEqual(instance))
                {
                    return s;
                }
            }
            else if (TryGetContact(reader, slot.Stored, out ContactView stored) && stored.RegId == r.RegId && stored.Instance.SequenceEqual(instance))
            {
                return s;
            }
        }

        return -1;
    }

    private int CountLive()
    {
        int n = 0;
        for (int s = 0; s < SlotCount; s++)
        {
            if (!Slots[s].Deleted)
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>force-registration: a new AoR loses its head contact, an existing one its last valid contact.</summary>
    private void EvictOne(bool hadRecord)
    {
        if (!hadRecord)
        {
            for (int s = 0; s < SlotCount; s++)
            {
                if (!Slots[s].Deleted)
                {
                    Slots[s].Deleted = true;
                    return;
                }
            }

            return;
        }

        for (int s = SlotCount - 1; s >= 0; s--)
        {
            if (!Slots[s].Deleted)
            {
                Slots[s].Deleted = true;
                return;
            }
        }
    }

    /// <summary>Before the first binding with a strictly lower q (unspecified, -1, is lowest).</summary>
    private void Insert(int request, short q)
    {
        if (SlotCount == Slots.Length)
        {
            return;
        }

        int at = SlotCount;
        for (int s = 0; s < SlotCount; s++)
        {
            if (!Slots[s].Deleted && Slots[s].Q < q)
            {
                at = s;
                break;
            }
        }

        Array.Copy(Slots, at, Slots, at + 1, SlotCount - at);
        Slots[at] = new BindingSlot { Stored = -1, Request = request, Q = q };
        SlotCount++;
    }

    private void WriteBinding(ref LocationRecordWriter writer, in RequestContact r)
    {
        ReadOnlySpan<byte> message = Message.Bytes;
        ContactFields fields = ContactFields.Create(Now + r.Expires, Now, CSeq);
        fields.Q = r.Q;
        fields.Socket = (ushort)Socket;
        fields.BranchFlags = BranchFlags;
        fields.Methods = Methods;
        fields.RegId = Outbound ? r.RegId : -1;
        ReadOnlySpan<byte> received = default;
        if (PathReceivedLength > 0)
        {
            received = PathReceived.AsSpan(0, PathReceivedLength);
            fields.Flags |= ContactFlags.Nat;
        }
        else if (Outbound && r.RegId >= 0 && FlowReceivedLength > 0)
        {
            received = FlowReceived.AsSpan(0, FlowReceivedLength); // RFC 5626 §6: the flow the REGISTER came on
        }
        else if (r.Received.IsPresent)
        {
            received = message.Slice(r.Received.Start, r.Received.Length);
        }
        else if (AvpReceivedLength > 0)
        {
            received = AvpReceived.AsSpan(0, AvpReceivedLength);
        }

        if (Module.NatBflag >= 0 && (BranchFlags & (1u << Module.NatBflag)) != 0)
        {
            fields.Flags |= ContactFlags.Nat;
        }

        if (Flags.MemoryOnly)
        {
            fields.Flags |= ContactFlags.MemoryOnly;
        }

        ReadOnlySpan<byte> userAgent = UserAgentLength > 0 ? UserAgent.AsSpan(0, UserAgentLength) : "n/a"u8;
        ReadOnlySpan<byte> instance = r.Instance.IsPresent ? message.Slice(r.Instance.Start, r.Instance.Length) : default;
        if (!writer.TryAddContact(in fields, message.Slice(r.Uri.Start, r.Uri.Length), received,
                message.Slice(CallId.Start, CallId.Length), userAgent, instance))
        {
            return;
        }

        if (Flags.Path != PathMode.Ignore)
        {
            for (int p = 0; p < PathCount; p++)
            {
                writer.TryAddPath(message.Slice(Path[p].Start, Path[p].Length));
            }
        }
    }

    /// <summary>The contact at <paramref name="index"/> of the stored record (expired ones counted).</summary>
    internal static bool TryGetContact(LocationRecordReader reader, int index, out ContactView view)
    {
        int i = 0;
        foreach (ContactView c in reader.GetAllContacts())
        {
            if (i++ == index)
            {
                view = c;
                return true;
            }
        }

        view = default;
        return false;
    }
}
