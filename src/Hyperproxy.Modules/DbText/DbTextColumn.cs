namespace Hyperproxy.Modules.DbText;

/// <summary>A column of a db_text table as line 1 declares it.</summary>
public sealed record DbTextColumn(string Name, DbTextType Type, bool Auto, bool Nullable);
