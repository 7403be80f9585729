namespace Hyperproxy.Modules.DbText;

/// <summary>A db_text table that cannot be loaded; the message starts with <c>file:line:</c>. Start-up only.</summary>
public sealed class DbTextException : Exception
{
    public DbTextException(string message)
        : base(message)
    {
    }
}
