using System.Buffers.Binary;

namespace Hyperproxy.Script.Runtime;

/// <summary>
/// AVPs for modules that manage lists in them (dispatcher's failover AVPs), and AVPs carried with a
/// transaction: tm saves them when it relays and restores them before a failure_route, as OpenSIPS keeps a
/// transaction's AVP list. The saved form is a flat byte string (slot, kind, int, length, bytes per value,
/// oldest first), written into a scratch buffer owned by the context (no allocation per message).
/// </summary>
public sealed partial class ScriptContext
{
    private const int AvpRecordHeader = 11; // slot (2) kind (1) int (4) length (4)

    private readonly byte[] _avpSaved = new byte[AvpBytesSize + (MaxAvpValues * AvpRecordHeader)];

    /// <summary>Whether any AVP was added for this message (nothing to save otherwise).</summary>
    public bool HasAvps => _avpCount != 0;

    /// <summary>How many values the <c>$avp</c> in <paramref name="slot"/> holds.</summary>
    public int AvpValueCount(int slot) => (uint)slot < (uint)_avpHead.Length ? AvpCount(slot) : 0;

    /// <summary>The value at <paramref name="index"/> (0 = last added) of the <c>$avp</c> in <paramref name="slot"/>, or NULL.</summary>
    public ScriptValue AvpValueAt(int slot, int index) => (uint)slot < (uint)_avpHead.Length && index >= 0 ? GetAvp(slot, index) : ScriptValue.Null;

    /// <summary>Adds an integer value; false when the message's AVP space is full.</summary>
    public bool AddAvp(int slot, int value) => (uint)slot < (uint)_avpHead.Length && PushAvp(slot, ScriptValue.FromInt(value));

    /// <summary>Removes the last added value of the <c>$avp</c> in <paramref name="slot"/>; false when it had none.</summary>
    public bool PopAvp(int slot)
    {
        if ((uint)slot >= (uint)_avpHead.Length || _avpHead[slot] < 0)
        {
            return false;
        }

        _avpHead[slot] = _avpNext[_avpHead[slot]];
        return true;
    }

    /// <summary>Removes every value of the <c>$avp</c> in <paramref name="slot"/>.</summary>
    public void ClearAvp(int slot)
    {
        if ((uint)slot < (uint)_avpHead.Length)
        {
            _avpHead[slot] = -1;
        }
    }

    /// <summary>
    /// The message's AVPs in the saved form (empty when there are none), valid until the next call; for
    /// <see cref="RestoreAvps"/> in a later run of the script on the same transaction.
    /// </summary>
    public ReadOnlySpan<byte> SaveAvps()
    {
        if (_avpCount == 0)
        {
            return default;
        }

        Span<byte> o = _avpSaved;
        int n = 0;
        for (int slot = 0; slot < _avpHead.Length; slot++)
        {
            if (_avpHead[slot] < 0)
            {
                continue;
            }

            for (int k = AvpCount(slot) - 1; k >= 0; k--)
            {
                ScriptValue v = GetAvp(slot, k);
                ReadOnlySpan<byte> bytes = v.HasString ? v.Span : default;
                BinaryPrimitives.WriteUInt16LittleEndian(o[n..], (ushort)slot);
                o[n + 2] = (byte)v.Kind;
                BinaryPrimitives.WriteInt32LittleEndian(o[(n + 3)..], v.Int);
                BinaryPrimitives.WriteInt32LittleEndian(o[(n + 7)..], bytes.Length);
                bytes.CopyTo(o[(n + AvpRecordHeader)..]);
                n += AvpRecordHeader + bytes.Length;
            }
        }

        return o[..n];
    }

    /// <summary>Replaces the message's AVPs with a saved set (<see cref="SaveAvps"/>, first <paramref name="length"/> bytes of
    /// <paramref name="saved"/>); a malformed set is ignored from where it breaks.</summary>
    public void RestoreAvps(byte[]? saved, int length)
    {
        if (_avpCount != 0)
        {
            Array.Fill(_avpHead, -1);
        }

        _avpCount = 0;
        _avpBytesUsed = 0;
        if (saved is null)
        {
            return;
        }

        ReadOnlySpan<byte> s = saved.AsSpan(0, Math.Min(length, saved.Length));
        int n = 0;
        while (n + AvpRecordHeader <= s.Length)
        {
            int slot = BinaryPrimitives.ReadUInt16LittleEndian(s[n..]);
            var kind = (ScriptValueKind)s[n + 2];
            int value = BinaryPrimitives.ReadInt32LittleEndian(s[(n + 3)..]);
            int bytes = BinaryPrimitives.ReadInt32LittleEndian(s[(n + 7)..]);
            n += AvpRecordHeader;
            if ((uint)slot >= (uint)_avpHead.Length || bytes < 0 || n + bytes > s.Length)
            {
                return;
            }

            ScriptValue v = (kind & ScriptValueKind.String) == 0 ? ScriptValue.FromInt(value)
                : (kind & ScriptValueKind.Int) != 0 ? ScriptValue.FromBoth(value, saved, n, bytes)
                : ScriptValue.FromBytes(saved, n, bytes);
            n += bytes;
            if (!PushAvp(slot, v))
            {
                return;
            }
        }
    }
}
