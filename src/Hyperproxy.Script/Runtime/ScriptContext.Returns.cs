namespace Hyperproxy.Script.Runtime;

public sealed partial class ScriptContext
{
    /// <summary>How many extra values <c>return(code, v1, ...)</c> may carry.</summary>
    public const int MaxReturnValues = 16;

    private const int ReturnBytes = 4096;

    // Two sets: a return builds its values in the spare set while it may still read the current one
    // (return(1, $return(0)) passes an inner route's value on), then the sets swap.
    private ScriptValue[] _returnValues = new ScriptValue[MaxReturnValues];
    private byte[] _returnBytes = new byte[ReturnBytes];
    private ScriptValue[] _nextReturnValues = new ScriptValue[MaxReturnValues];
    private byte[] _nextReturnBytes = new byte[ReturnBytes];
    private int _returnCount;
    private int _nextReturnCount;
    private int _nextReturnBytesUsed;

    /// <summary><c>$return(i)</c>: value <paramref name="index"/> (0-based) of the last route's <c>return(code, v0, v1, ...)</c>, or NULL.</summary>
    internal ScriptValue GetReturnValue(int index) =>
        (uint)index < (uint)_returnCount ? _returnValues[index] : ScriptValue.Null;

    internal void ClearReturnValues() => _returnCount = 0;

    /// <summary>Starts the values of a <c>return</c>; the current ones stay readable until <see cref="CommitReturnValues"/>.</summary>
    internal void BeginReturnValues()
    {
        _nextReturnCount = 0;
        _nextReturnBytesUsed = 0;
    }

    /// <summary>
    /// Keeps one returned value. Its string bytes are copied into the return buffer (the arena they may live in is
    /// released when the route ends); a string that does not fit is kept as NULL and false is returned.
    /// </summary>
    internal bool AddReturnValue(in ScriptValue value)
    {
        if (_nextReturnCount == MaxReturnValues)
        {
            return false;
        }

        bool fits = true;
        ScriptValue kept = value;
        if (value.HasString)
        {
            ReadOnlySpan<byte> bytes = value.Span;
            if (bytes.Length > ReturnBytes - _nextReturnBytesUsed)
            {
                fits = false;
                kept = ScriptValue.Null;
            }
            else
            {
                bytes.CopyTo(_nextReturnBytes.AsSpan(_nextReturnBytesUsed));
                kept = value.HasInt
                    ? ScriptValue.FromBoth(value.Int, _nextReturnBytes, _nextReturnBytesUsed, bytes.Length)
                    : ScriptValue.FromBytes(_nextReturnBytes, _nextReturnBytesUsed, bytes.Length);
                _nextReturnBytesUsed += bytes.Length;
            }
        }

        _nextReturnValues[_nextReturnCount++] = kept;
        return fits;
    }

    /// <summary>The values added since <see cref="BeginReturnValues"/> become <c>$return(0..)</c>.</summary>
    internal void CommitReturnValues()
    {
        (_returnValues, _nextReturnValues) = (_nextReturnValues, _returnValues);
        (_returnBytes, _nextReturnBytes) = (_nextReturnBytes, _returnBytes);
        _returnCount = _nextReturnCount;
    }
}
