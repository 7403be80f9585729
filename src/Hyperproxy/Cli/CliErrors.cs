using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Hyperproxy.Cli;

/// <summary>
/// Command-line mistakes in Hyperproxy's one form, <c>--flag 'value': why</c> (or <c>'word': why</c>), in place of
/// System.CommandLine's own messages, which name .NET types and repeat themselves over several lines.
/// </summary>
internal static class CliErrors
{
    /// <summary>One line per mistake of <paramref name="parse"/>, without the "hyperproxy: " prefix.</summary>
    public static IReadOnlyList<string> Describe(ParseResult parse)
    {
        var lines = new List<string>();
        string command = CommandPath(parse.CommandResult);
        foreach (string token in parse.UnmatchedTokens)
        {
            lines.Add(Unmatched(token, parse.CommandResult, command));
        }

        foreach (ParseError error in parse.Errors)
        {
            if (IsAboutUnmatchedToken(error, parse.UnmatchedTokens))
            {
                continue;
            }

            string line = error.SymbolResult switch
            {
                // Our own parsers and validators already write "--flag 'value': why".
                _ when error.Message.StartsWith("--", StringComparison.Ordinal) => error.Message,
                OptionResult { Tokens.Count: 0 } option => $"{option.Option.Name}: needs a value ({option.Option.HelpName ?? "VALUE"})",
                OptionResult option => $"{option.Option.Name} '{option.Tokens[0].Value}': {error.Message}",
                ArgumentResult { Tokens.Count: 0 } argument => $"{command}: needs {argument.Argument.Name}; see '{Help(command)}'",
                CommandResult { Command: RootCommand } when parse.UnmatchedTokens.Count > 0 => "", // said with the unmatched word
                CommandResult { Command: RootCommand } => $"a command is needed: {Commands(parse.RootCommandResult.Command)}; see 'hyperproxy --help'",
                _ => error.Message,
            };
            if (line.Length > 0 && !lines.Contains(line))
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    /// <summary>
    /// A whole number in [<paramref name="min"/>, <paramref name="max"/>] for an option's custom parser; a word or a
    /// number out of range is an error that names the flag and the value. No token: <paramref name="absent"/>.
    /// </summary>
    public static int? ParseInt(ArgumentResult result, int min, int max, int? absent)
    {
        if (result.Tokens.Count == 0)
        {
            return absent;
        }

        string text = result.Tokens[0].Value;
        string flag = result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
        {
            result.AddError($"{flag} '{text}': not a whole number; it takes {min} to {max}");
            return absent;
        }

        if (value < min || value > max)
        {
            result.AddError($"{flag} '{text}': out of range; it takes {min} to {max}");
            return absent;
        }

        return value;
    }

    private static string Unmatched(string token, CommandResult at, string command)
    {
        if (token.StartsWith('-'))
        {
            return $"{token}: not a flag of {(at.Command is RootCommand ? "hyperproxy" : "'" + command + "'")}; see '{Help(command)}'";
        }

        return at.Command is RootCommand
            ? $"'{token}': not a command; use {Commands(at.Command)}"
            : $"'{token}': unexpected argument to '{command}'; see '{Help(command)}'";
    }

    private static bool IsAboutUnmatchedToken(ParseError error, IReadOnlyList<string> unmatched)
    {
        foreach (string token in unmatched)
        {
            if (error.Message.Contains($"'{token}'", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The command as the user typed it after "hyperproxy" ("run"); "hyperproxy" for the root.</summary>
    private static string CommandPath(CommandResult result) => result.Parent switch
    {
        CommandResult { Command: RootCommand } => result.Command.Name,
        CommandResult parent => CommandPath(parent) + " " + result.Command.Name,
        _ => "hyperproxy",
    };

    private static string Help(string command) => command == "hyperproxy" ? "hyperproxy --help" : $"hyperproxy {command} --help";

    private static string Commands(Command root)
    {
        var names = new List<string>();
        foreach (Command sub in root.Subcommands)
        {
            names.Add(sub.Name);
        }

        return string.Join(", ", names[..^1]) + " or " + names[^1];
    }
}
