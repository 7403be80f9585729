using System.Net;
using Hyperproxy.Script.Lexing;
using Hyperproxy.Script.Text;
using static Hyperproxy.Script.Tests.ScriptTestHelper;

namespace Hyperproxy.Script.Tests;

public class LexerTests
{
    [Fact]
    public void EveryTokenCarriesFileLineAndColumn()
    {
        var tokens = Lex("route {\n  if ($rm == \"INVITE\")\n\texit;\n}");
        Assert.Equal(new SourceLocation(FileName, 1, 1), tokens[0].Location);
        Assert.Equal(new SourceLocation(FileName, 1, 7), tokens[1].Location);
        Assert.Equal(new SourceLocation(FileName, 2, 3), tokens[2].Location);
        Assert.Equal(new SourceLocation(FileName, 2, 7), tokens[4].Location);
        Assert.Equal(TokenKind.PseudoVariable, tokens[4].Kind);
        Assert.Equal(new SourceLocation(FileName, 2, 11), tokens[5].Location);
        Assert.Equal(new SourceLocation(FileName, 2, 14), tokens[6].Location);
        Assert.Equal(new SourceLocation(FileName, 3, 2), tokens[8].Location);
        Assert.Equal("file.cfg:3:2", (tokens[8].Location with { File = "file.cfg" }).ToString());
    }

    [Theory]
    [InlineData("42", 42)]
    [InlineData("0x1F", 31)]
    [InlineData("0666", 438)]
    [InlineData("0", 0)]
    public void NumbersAreDecimalHexOrOctal(string text, int value)
    {
        var token = Assert.Single(Lex(text));
        Assert.Equal(TokenKind.Number, token.Kind);
        Assert.Equal(value, token.IntValue);
    }

    [Fact]
    public void BadOctalNumberIsReported()
    {
        var bag = new DiagnosticBag();
        Lex("  089", bag);
        Assert.Equal("test.cfg:1:3: bad octal number '089'", Assert.Single(bag.ToSortedList()).ToString());
    }

    [Theory]
    [InlineData("\"a\\nb\"", "a\nb")]
    [InlineData("'single \"q\"'", "single \"q\"")]
    [InlineData("\"tab\\there\"", "tab\there")]
    [InlineData("\"esc \\\" \\\\ \"", "esc \" \\ ")]
    [InlineData("\"^sip:\\.x\"", "^sip:\\.x")]
    [InlineData("\"P-hint: outbound\\r\\n\"", "P-hint: outbound\r\n")]
    public void StringsUnescape(string text, string value)
    {
        var token = Assert.Single(Lex(text));
        Assert.Equal(TokenKind.String, token.Kind);
        Assert.Equal(value, token.Text);
    }

    [Fact]
    public void UnterminatedStringIsReportedAtItsQuote()
    {
        var bag = new DiagnosticBag();
        Lex("x = \"abc", bag);
        Assert.Equal("test.cfg:1:5: unterminated string", Assert.Single(bag.ToSortedList()).ToString());
    }

    [Theory]
    [InlineData("$ru", "ru", null, null)]
    [InlineData("$var(x)", "var", "x", null)]
    [InlineData("$avp(name)", "avp", "name", null)]
    [InlineData("$hdr(Via)", "hdr", "Via", null)]
    [InlineData("$(hdr(Via)[1])", "hdr", "Via", "1")]
    [InlineData("$(avp(x)[-1])", "avp", "x", "-1")]
    [InlineData("$(hdr(Route)[*])", "hdr", "Route", "*")]
    [InlineData("$param(1)", "param", "1", null)]
    [InlineData("$socket_in(ip)", "socket_in", "ip", null)]
    [InlineData("$ruri.user", "ruri.user", null, null)]
    [InlineData("$T_reply_code", "T_reply_code", null, null)]
    public void PseudoVariablesParseNameArgumentAndIndex(string text, string name, string? argument, string? index)
    {
        var token = Assert.Single(Lex(text));
        Assert.Equal(TokenKind.PseudoVariable, token.Kind);
        Assert.Equal(name, token.PseudoVariable!.Name);
        Assert.Equal(argument, token.PseudoVariable.Argument);
        Assert.Equal(index, token.PseudoVariable.Index);
        Assert.Equal(text, token.Text);
    }

    [Fact]
    public void TransformationsChainWithArguments()
    {
        var token = Assert.Single(Lex("$(ru{uri.user}{s.len})"));
        var pv = token.PseudoVariable!;
        Assert.Equal("ru", pv.Name);
        Assert.Equal(["uri.user", "s.len"], pv.Transformations.Select(t => t.Name));
        Assert.Equal(5, pv.Transformations[0].Location.Column);
        Assert.Equal(15, pv.Transformations[1].Location.Column);

        var param = Assert.Single(Lex("$(ct{param.value,expires})")).PseudoVariable!;
        Assert.Equal("param.value", param.Transformations[0].Name);
        Assert.Equal(["expires"], param.Transformations[0].Arguments);
    }

    [Fact]
    public void UnterminatedPseudoVariableIsReported()
    {
        var bag = new DiagnosticBag();
        Lex("\n  $(hdr(Via)", bag);
        Assert.Equal("test.cfg:2:3: unterminated '$(' in pseudo-variable", Assert.Single(bag.ToSortedList()).ToString());
    }

    [Theory]
    [InlineData("==", TokenKind.EqualEqual)]
    [InlineData("!=", TokenKind.NotEqual)]
    [InlineData("<", TokenKind.Less)]
    [InlineData("<=", TokenKind.LessEqual)]
    [InlineData(">", TokenKind.Greater)]
    [InlineData(">=", TokenKind.GreaterEqual)]
    [InlineData("=~", TokenKind.Match)]
    [InlineData("!~", TokenKind.NotMatch)]
    [InlineData("&&", TokenKind.AndAnd)]
    [InlineData("||", TokenKind.OrOr)]
    [InlineData("!", TokenKind.Bang)]
    [InlineData("+", TokenKind.Plus)]
    [InlineData("-", TokenKind.Minus)]
    [InlineData("*", TokenKind.Star)]
    [InlineData("/", TokenKind.Slash)]
    [InlineData("%", TokenKind.Percent)]
    [InlineData("&", TokenKind.Ampersand)]
    [InlineData("|", TokenKind.Pipe)]
    [InlineData("^", TokenKind.Caret)]
    [InlineData("~", TokenKind.Tilde)]
    [InlineData("<<", TokenKind.ShiftLeft)]
    [InlineData(">>", TokenKind.ShiftRight)]
    [InlineData("=", TokenKind.Assign)]
    [InlineData(":=", TokenKind.ColonAssign)]
    [InlineData("+=", TokenKind.PlusAssign)]
    [InlineData("-=", TokenKind.MinusAssign)]
    [InlineData("*=", TokenKind.StarAssign)]
    [InlineData("/=", TokenKind.SlashAssign)]
    [InlineData("%=", TokenKind.PercentAssign)]
    [InlineData("&=", TokenKind.AmpersandAssign)]
    [InlineData("|=", TokenKind.PipeAssign)]
    [InlineData("^=", TokenKind.CaretAssign)]
    [InlineData(":", TokenKind.Colon)]
    public void OperatorsLexLongestMatch(string text, TokenKind kind)
    {
        Assert.Equal(kind, Assert.Single(Lex(text)).Kind);
    }

    [Fact]
    public void CommentsAreSkippedInAllThreeForms()
    {
        var tokens = Lex("a # hash\nb // slashes\nc /* block\n spans */ d");
        Assert.Equal(["a", "b", "c", "d"], tokens.Select(t => t.Text));
        Assert.Equal(4, tokens[3].Location.Line);
        Assert.Equal(11, tokens[3].Location.Column);
    }

    [Fact]
    public void HashBangLineIsADirectiveToken()
    {
        var tokens = Lex("#!define X 1\nroute");
        Assert.Equal(TokenKind.Directive, tokens[0].Kind);
        Assert.Equal("#!define X 1", tokens[0].Text);
        Assert.Equal("route", tokens[1].Text);
    }

    [Fact]
    public void UnterminatedBlockCommentIsReported()
    {
        var bag = new DiagnosticBag();
        Lex("a /* never", bag);
        Assert.Equal("test.cfg:1:3: unterminated '/*' comment", Assert.Single(bag.ToSortedList()).ToString());
    }

    [Theory]
    [InlineData("10.0.0.1", "10.0.0.1", -1)]
    [InlineData("10.0.0.0/8", "10.0.0.0", 8)]
    [InlineData("::1", "::1", -1)]
    [InlineData("2001:db8::/32", "2001:db8::", 32)]
    [InlineData("fe80::1:2", "fe80::1:2", -1)]
    public void AddressesAndNetworksAreTokens(string text, string address, int prefix)
    {
        var token = Assert.Single(Lex(text));
        Assert.Equal(TokenKind.IpAddress, token.Kind);
        Assert.Equal(IPAddress.Parse(address), token.Address);
        Assert.Equal(prefix, token.PrefixLength);
    }

    [Fact]
    public void CaseLabelColonIsNotAnIpv6Address()
    {
        Assert.Equal([TokenKind.Identifier, TokenKind.Number, TokenKind.Colon], Lex("case 1:").Select(t => t.Kind));
    }

    [Fact]
    public void NetworkPrefixOutOfRangeIsReported()
    {
        var bag = new DiagnosticBag();
        Lex("10.0.0.0/33", bag);
        Assert.Equal("test.cfg:1:1: network prefix length must be 0..32", Assert.Single(bag.ToSortedList()).ToString());
    }

    [Fact]
    public void UnexpectedCharacterIsReportedAndSkipped()
    {
        var bag = new DiagnosticBag();
        var tokens = Lex("a @ b", bag);
        Assert.Equal(["a", "b"], tokens.Select(t => t.Text));
        Assert.Equal("test.cfg:1:3: unexpected character '@'", Assert.Single(bag.ToSortedList()).ToString());
    }
}
