namespace Hyperproxy.Hosting;

/// <summary>Log levels in OpenSIPS's order of severity (log_level / debug numbers map onto them).</summary>
public enum LogLevel
{
    Error = 1,
    Warning = 2,
    Notice = 3,
    Info = 4,
    Debug = 5,
}

/// <summary>
/// The process log: one line per event on standard error, with a UTC time stamp and the level.
/// Cold path only; the per-message path counts instead of logging, and logs a sample at most.
/// </summary>
public static class Log
{
    private static readonly object s_gate = new();
    private static volatile LogLevel s_level = LogLevel.Notice;
    private static TextWriter s_writer = Console.Error;

    public static LogLevel Level
    {
        get => s_level;
        set => s_level = value;
    }

    /// <summary>Redirects the log (tests capture it).</summary>
    public static void SetWriter(TextWriter writer) => s_writer = writer;

    public static bool IsEnabled(LogLevel level) => level <= s_level;

    public static void Error(string message) => Write(LogLevel.Error, message);

    public static void Warning(string message) => Write(LogLevel.Warning, message);

    public static void Notice(string message) => Write(LogLevel.Notice, message);

    public static void Info(string message) => Write(LogLevel.Info, message);

    public static void Debug(string message) => Write(LogLevel.Debug, message);

    public static void Write(LogLevel level, string message)
    {
        if (level > s_level)
        {
            return;
        }

        string line = $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {Name(level)} {message}";
        lock (s_gate)
        {
            s_writer.WriteLine(line);
            s_writer.Flush();
        }
    }

    /// <summary>True when a script log line at OpenSIPS level <paramref name="level"/> would be written.</summary>
    public static bool IsScriptLevelEnabled(int level) => IsEnabled(FromScriptLevel(level));

    /// <summary>A script's xlog/log line (UTF-8) at OpenSIPS level <paramref name="level"/>.</summary>
    public static void WriteScript(int level, ReadOnlySpan<byte> text) => Write(FromScriptLevel(level), System.Text.Encoding.UTF8.GetString(text));

    /// <summary>OpenSIPS levels (-3 alert .. -1 err, 1 warn, 2 notice, 3 info, 4 debug) to the process log's.</summary>
    public static LogLevel FromScriptLevel(int level) => level switch
    {
        <= 0 => LogLevel.Error,
        1 => LogLevel.Warning,
        2 => LogLevel.Notice,
        3 => LogLevel.Info,
        _ => LogLevel.Debug,
    };

    /// <summary>What <c>--log-level</c> and the script's <c>log_level</c> take, said once for the help, the errors and the README.</summary>
    public const string LevelsHelp = "error, warning, notice, info or debug, or OpenSIPS's log_level number: -3..-1 error, 1 warning, 2 notice, 3 info, 4 debug";

    /// <summary>
    /// Parses a level given by name (error, warning, notice, info, debug) or by OpenSIPS's <c>log_level</c> number
    /// (-3 alert .. -1 err, 1 warn, 2 notice, 3 info, 4 debug: the scale of the script's <c>log_level</c> and xlog).
    /// </summary>
    public static bool TryParseLevel(string text, out LogLevel level)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "error" or "err": level = LogLevel.Error; return true;
            case "warning" or "warn": level = LogLevel.Warning; return true;
            case "notice": level = LogLevel.Notice; return true;
            case "info": level = LogLevel.Info; return true;
            case "debug" or "dbg": level = LogLevel.Debug; return true;
        }

        if (int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int n) && n is >= -3 and <= 4)
        {
            level = FromScriptLevel(n);
            return true;
        }

        level = LogLevel.Notice;
        return false;
    }

    private static string Name(LogLevel level) => level switch
    {
        LogLevel.Error => "ERROR",
        LogLevel.Warning => "WARN",
        LogLevel.Notice => "NOTICE",
        LogLevel.Info => "INFO",
        _ => "DEBUG",
    };
}
