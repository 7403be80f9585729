using System.Runtime.CompilerServices;

namespace Hyperproxy.Script.Runtime;

/// <summary>
/// <c>$avp(name)</c>: a stack of values per name (last added first), scoped to the message (the
/// transaction, for a stateless proxy). Values live in fixed per-worker pools reset by
/// <see cref="Begin"/>; deleting a value unlinks it (its bytes are reclaimed with the message).
/// Also the message's path vector (<c>$path</c>), which lookup() sets.
/// </summary>
public sealed partial class ScriptContext
{
    private const int MaxAvpValues = 256;
    private const int AvpBytesSize = 16 * 1024;

    private readonly ScriptValue[] _avpValues = new ScriptValue[MaxAvpValues];
    private readonly int[] _avpNext = new int[MaxAvpValues];
    private readonly byte[] _avpBytes = new byte[AvpBytesSize];
    private readonly byte[] _pathVector = new byte[2048];
    private int[] _avpHead = [];
    private int _avpCount;
    private int _avpBytesUsed;
    private int _pathVectorLength = -1;

    /// <summary><c>$path</c>: the Path vector attached to the message (set by lookup), or NULL.</summary>
    public ScriptValue PathVectorValue =>
        _pathVectorLength < 0 ? ScriptValue.Null : ScriptValue.FromBytes(_pathVector, 0, _pathVectorLength);

    /// <summary>Attaches a Path vector (comma-separated Path URIs as stored) to the message; false when too long.</summary>
    public bool SetPathVector(ReadOnlySpan<byte> path)
    {
        if (!path.TryCopyTo(_pathVector))
        {
            return false;
        }

        _pathVectorLength = path.Length;
        return true;
    }

    public void ResetPathVector() => _pathVectorLength = -1;

    private void ResetAvps()
    {
        if (_avpHead.Length != _vars.Length)
        {
            _avpHead = new int[_vars.Length];
            Array.Fill(_avpHead, -1);
        }
        else if (_avpCount != 0)
        {
            // Only a push sets a head; a message that pushed nothing left them all empty.
            Array.Fill(_avpHead, -1);
        }

        _avpCount = 0;
        _avpBytesUsed = 0;
        _pathVectorLength = -1;
    }

    /// <summary>The last value added to the <c>$avp</c> in <paramref name="slot"/> (<see cref="CompiledScript.AvpSlot"/>), or NULL.
    /// For modules that read an AVP a modparam names.</summary>
    public ScriptValue AvpValue(int slot) => (uint)slot < (uint)_avpHead.Length ? GetAvp(slot, 0) : ScriptValue.Null;

    /// <summary>The value of the <c>$var</c> in <paramref name="slot"/> (<see cref="CompiledScript.VarSlot"/>), or NULL.</summary>
    public ScriptValue VarValue(int slot) => (uint)slot < (uint)_vars.Length ? _vars[slot] : ScriptValue.Null;

    /// <summary>
    /// Adds a value to the <c>$avp</c> in <paramref name="slot"/>; <paramref name="bytes"/> must outlive the message
    /// (a loaded table's field). For modules that load values into AVPs a modparam names (auth_db's load_credentials).
    /// </summary>
    public bool AddAvp(int slot, byte[] bytes) => (uint)slot < (uint)_avpHead.Length && PushAvp(slot, ScriptValue.FromBytes(bytes));

    /// <summary>Adds a copy of <paramref name="bytes"/> to the <c>$avp</c> in <paramref name="slot"/> (nothing allocated); false when full.</summary>
    public bool AddAvpCopy(int slot, ReadOnlySpan<byte> bytes)
    {
        if ((uint)slot >= (uint)_avpHead.Length)
        {
            return false;
        }

        int mark = ArenaMark;
        ScriptValue value = Store(bytes);
        bool added = !value.IsNull && PushAvp(slot, value);
        ArenaRelease(mark);
        return added;
    }

    /// <summary>The value at <paramref name="index"/> (0 = last added; negative counts from the oldest), or NULL.</summary>
    internal ScriptValue GetAvp(int slot, int index)
    {
        if (index < 0)
        {
            index += AvpCount(slot);
            if (index < 0)
            {
                return ScriptValue.Null;
            }
        }

        for (int e = _avpHead[slot]; e >= 0; e = _avpNext[e], index--)
        {
            if (index == 0)
            {
                return _avpValues[e];
            }
        }

        return ScriptValue.Null;
    }

    internal int AvpCount(int slot)
    {
        int n = 0;
        for (int e = _avpHead[slot]; e >= 0; e = _avpNext[e])
        {
            n++;
        }

        return n;
    }

    /// <summary>All values, last added first, joined with ", " in the arena (<c>$(avp(x)[*])</c>).</summary>
    internal ScriptValue JoinAvps(int slot, in ScriptValue separator)
    {
        ScriptValue acc = ScriptValue.Null;
        for (int e = _avpHead[slot]; e >= 0; e = _avpNext[e])
        {
            acc = acc.IsNull ? _avpValues[e] : Concat(Concat(acc, separator), _avpValues[e]);
        }

        return acc;
    }

    /// <summary><c>$avp(x) = v</c> pushes; <c>:= v</c> replaces all; NULL deletes the top (<c>=</c>) or all (<c>:=</c>).</summary>
    internal bool WriteAvp(int slot, in ScriptValue value, bool replaceAll)
    {
        if (replaceAll)
        {
            _avpHead[slot] = -1;
        }

        if (value.IsNull)
        {
            int top = _avpHead[slot];
            if (top >= 0)
            {
                _avpHead[slot] = _avpNext[top];
            }

            return true;
        }

        return PushAvp(slot, value);
    }

    /// <summary>Replaces the top value (compound assignment), or pushes when there is none.</summary>
    internal bool ReplaceTopAvp(int slot, in ScriptValue value)
    {
        int top = _avpHead[slot];
        if (top >= 0)
        {
            _avpHead[slot] = _avpNext[top];
        }

        return value.IsNull || PushAvp(slot, value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool PushAvp(int slot, in ScriptValue value)
    {
        if (_avpCount == MaxAvpValues)
        {
            return false;
        }

        ScriptValue stored = value;
        if (value.HasString)
        {
            ReadOnlySpan<byte> bytes = value.Span;
            if (!bytes.TryCopyTo(_avpBytes.AsSpan(_avpBytesUsed)))
            {
                return false;
            }

            stored = value.HasInt
                ? ScriptValue.FromBoth(value.Int, _avpBytes, _avpBytesUsed, bytes.Length)
                : ScriptValue.FromBytes(_avpBytes, _avpBytesUsed, bytes.Length);
            _avpBytesUsed += bytes.Length;
        }

        int e = _avpCount++;
        _avpValues[e] = stored;
        _avpNext[e] = _avpHead[slot];
        _avpHead[slot] = e;
        return true;
    }
}
