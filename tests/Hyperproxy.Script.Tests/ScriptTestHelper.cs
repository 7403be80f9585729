using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Lexing;
using Hyperproxy.Script.Parsing;
using Hyperproxy.Script.Syntax;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Tests;

internal static class ScriptTestHelper
{
    public const string FileName = "test.cfg";

    /// <summary>Module lines most tests need.</summary>
    public const string ModuleLines = "loadmodule \"sl.so\"\nloadmodule \"maxfwd.so\"\nloadmodule \"sipmsgops.so\"\nloadmodule \"signaling.so\"\n";

    public static List<Token> Lex(string text, DiagnosticBag? bag = null)
    {
        var lexer = new Lexer(text, FileName, bag ?? new DiagnosticBag());
        var tokens = new List<Token>();
        while (true)
        {
            var t = lexer.Next();
            if (t.Kind == TokenKind.EndOfFile)
                return tokens;
            tokens.Add(t);
        }
    }

    public static ScriptSyntax Parse(string text, out DiagnosticBag bag)
    {
        bag = new DiagnosticBag();
        return Parser.ParseText(text, FileName, bag);
    }

    public static ScriptSyntax ParseOk(string text)
    {
        var syntax = Parse(text, out var bag);
        Assert.Empty(bag.ToSortedList());
        return syntax;
    }

    /// <summary>Parses the body of a main route and returns its statements.</summary>
    public static List<Statement> ParseRoute(string body) => ParseOk("route {\n" + body + "\n}\n").Routes[0].Body.Statements;

    public static Expression ParseCondition(string condition) => ((IfStatement)ParseRoute($"if ({condition}) exit;")[0]).Condition;

    /// <summary>Loads with the built-in modules (Hyperproxy.Modules' catalog), as the server does.</summary>
    public static ScriptLoadResult Load(string text)
    {
        var modules = new Modules.ModuleCatalog();
        return ScriptLoader.LoadFromText(text, FileName, modules.CreateRegistry(), modules.CreateVariables());
    }

    public static ScriptProgram LoadOk(string text)
    {
        var result = Load(text);
        Assert.True(result.Succeeded, result.FormatDiagnostics());
        return result.Program!;
    }

    /// <summary>Loads a main route with the usual modules; returns the formatted errors.</summary>
    public static List<string> RouteErrors(string body) => Errors(ModuleLines + "route {\n" + body + "\n}\n");

    public static List<string> Errors(string text)
    {
        var result = Load(text);
        var list = new List<string>();
        foreach (var d in result.Diagnostics)
            list.Add(d.ToString());
        return list;
    }

    /// <summary>Line of a route body line (the body starts after the 4 module lines and "route {").</summary>
    public static int BodyLine(int n) => 5 + n;
}
