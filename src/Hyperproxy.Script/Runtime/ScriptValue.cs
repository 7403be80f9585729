using System.Runtime.CompilerServices;
using Hyperproxy.Sip;

namespace Hyperproxy.Script.Runtime;

/// <summary>
/// A run-time script value without allocation: NULL, an integer, or a string given as a slice of a
/// byte buffer the worker owns for the message's lifetime (the message bytes, a constant encoded at
/// start-up, the context's arena, or a <c>$var</c> slot's own buffer).
/// </summary>
public readonly struct ScriptValue
{
    private ScriptValue(ScriptValueKind kind, int intValue, byte[]? buffer, int start, int length)
    {
        Kind = kind;
        Int = intValue;
        Buffer = buffer;
        Start = start;
        Length = length;
    }

    public static ScriptValue Null => default;

    public ScriptValueKind Kind { get; }

    /// <summary>The integer (when <see cref="HasInt"/>).</summary>
    public int Int { get; }

    public byte[]? Buffer { get; }

    public int Start { get; }

    public int Length { get; }

    public bool IsNull => Kind == ScriptValueKind.Null;

    public bool HasInt => (Kind & ScriptValueKind.Int) != 0;

    public bool HasString => (Kind & ScriptValueKind.String) != 0;

    /// <summary>The string bytes (empty for NULL or a pure integer).</summary>
    public ReadOnlySpan<byte> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Buffer is null ? default : new ReadOnlySpan<byte>(Buffer, Start, Length);
    }

    public static ScriptValue FromInt(int value) => new(ScriptValueKind.Int, value, null, 0, 0);

    public static ScriptValue FromBytes(byte[] buffer, int start, int length) => new(ScriptValueKind.String, 0, buffer, start, length);

    public static ScriptValue FromBytes(byte[] buffer) => new(ScriptValueKind.String, 0, buffer, 0, buffer.Length);

    public static ScriptValue FromBoth(int value, byte[] buffer, int start, int length) =>
        new(ScriptValueKind.IntAndString, value, buffer, start, length);

    /// <summary>A range of the message (NULL when the range is absent).</summary>
    public static ScriptValue FromMessage(SipMessage message, TextRange range) =>
        range.Start < 0 ? default : new(ScriptValueKind.String, 0, message.Buffer, message.BufferOffset + range.Start, range.Length);

    /// <summary>A sub-range of this string (offsets relative to <see cref="Span"/>); NULL when absent.</summary>
    public ScriptValue Slice(TextRange range) =>
        range.Start < 0 ? default : new(ScriptValueKind.String, 0, Buffer, Start + range.Start, range.Length);

    public ScriptValue Slice(int start, int length) => new(ScriptValueKind.String, 0, Buffer, Start + start, length);

    /// <summary>The integer value: the int, or the string parsed as a (signed) decimal number.</summary>
    public bool TryGetInt(out int value)
    {
        if (HasInt)
        {
            value = Int;
            return true;
        }

        return ScriptText.TryParseInt(Span, out value) && HasString;
    }

    /// <summary>Script truth of a lone variable: false for NULL, an empty string or integer 0.</summary>
    public bool IsTrue => Kind switch
    {
        ScriptValueKind.Null => false,
        ScriptValueKind.Int => Int != 0,
        ScriptValueKind.String => Length > 0,
        _ => Int != 0,
    };

    public override string ToString() => Kind switch
    {
        ScriptValueKind.Null => "<null>",
        ScriptValueKind.Int => Int.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => System.Text.Encoding.UTF8.GetString(Span),
    };
}
