namespace Hyperproxy.Location.Records;

/// <summary>Why a stored value is not a readable location record.</summary>
public enum RecordError : byte
{
    None,
    Truncated,
    UnknownVersion,
    BadContactLength,
    BadStringLength,
    TrailingBytes,
}
