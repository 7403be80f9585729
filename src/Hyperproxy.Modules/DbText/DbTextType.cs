namespace Hyperproxy.Modules.DbText;

/// <summary>db_text column types (chosen by the first letter of the declared type).</summary>
public enum DbTextType
{
    Unknown,
    Int,
    Long,
    Double,
    String,
    Blob,
    DateTime,
}
