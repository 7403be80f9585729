namespace Hyperproxy.Script.Runtime;

public sealed partial class ScriptContext
{
    /// <summary>How many extra values <c>return(code, v1, ...)</c> may carry.</summary>
    public const int MaxReturnValues = 16;

    private const int ReturnBytes = 4096;

    private readonly ScriptValue[] _returnValues = new ScriptValue[MaxReturnValues];
    private readonly byte[] _returnBytes = new byte[ReturnBytes];
    private int _returnCount;
    private int _returnBytesUsed;

    /// <summary>How many values the last <c>return(code, ...)</c> gave.</summary>
    public int ReturnValueCount => _returnCount;

    /// <summary><c>$return(i)</c>: value <paramref name="index"/> (0-based) of the last route's <c>return(code, v0, v1, ...)</c>, or NULL.</summary>
    internal ScriptValue GetReturnValue(int index) =>
        (uint)index < (uint)_returnCount ? _returnValues[index] : ScriptValue.Null;

    internal void ClearReturnValues()
    {
        _returnCount = 0;
        _returnBytesUsed = 0;
    }

    /// <summary>
    /// Keeps one returned value. Its string bytes are copied into the context's return buffer (the arena they may
    /// live in is released when the route ends); a string that does not fit is kept as NULL and false is returned.
    /// </summary>
    internal bool AddReturnValue(in ScriptValue value)
    {
        if (_returnCount == MaxReturnValues)
        {
            return false;
        }

        bool fits = true;
        ScriptValue kept = value;
        if (value.HasString)
        {
            ReadOnlySpan<byte> bytes = value.Span;
            if (bytes.Length > ReturnBytes - _returnBytesUsed)
            {
                fits = false;
                kept = ScriptValue.Null;
            }
            else
            {
                bytes.CopyTo(_returnBytes.AsSpan(_returnBytesUsed));
                kept = value.HasInt
                    ? ScriptValue.FromBoth(value.Int, _returnBytes, _returnBytesUsed, bytes.Length)
                    : ScriptValue.FromBytes(_returnBytes, _returnBytesUsed, bytes.Length);
                _returnBytesUsed += bytes.Length;
            }
        }

        _returnValues[_returnCount++] = kept;
        return fits;
    }
}
