using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Script.Tests.Runtime;

/// <summary>The string, URI, name-addr and IP transformations, with constant and pseudo-variable arguments.</summary>
public sealed class TransformationTests
{
    private static string Eval(string expression, string prelude = "")
    {
        var run = new ScriptRun(prelude + $"$var(out) = {expression};\nxlog(\"$var(out)\");");
        run.Run(ScriptRun.Request(ruri: "sip:bob:pw@example.com:5070;transport=tcp",
            extra: "X-List: alpha,beta,gamma\r\nX-Blank: \t padded \r\nX-Ip: 2001:db8::7\r\n"));
        return run.Host.Logs.Count == 0 ? "<none>" : run.Host.Logs[^1][3..];
    }

    [Theory]
    [InlineData("$(hdr(X-List){s.substr,0,5})", "alpha")]
    [InlineData("$(hdr(X-List){s.substr,6,4})", "beta")]
    [InlineData("$(hdr(X-List){s.substr,6,0})", "beta,gamma")]     // 0 = to the end
    [InlineData("$(hdr(X-List){s.substr,-5,0})", "gamma")]         // negative offset counts from the end
    [InlineData("$(hdr(X-List){s.substr,0,-6})", "alpha,beta")]    // negative length stops before the end
    [InlineData("$(hdr(X-List){s.substr,6,100})", "beta,gamma")]   // cut at the end
    [InlineData("$(hdr(X-List){s.substr,16,1})", "<null>")]        // offset past the end
    [InlineData("$(hdr(X-List){s.substr,-17,1})", "<null>")]
    public void SubstringFollowsOpenSipsOffsets(string expression, string expected)
    {
        Assert.Equal(expected, Eval(expression));
    }

    [Theory]
    [InlineData("$(hdr(X-List){s.select,0,,})", "alpha")]
    [InlineData("$(hdr(X-List){s.select,1,,})", "beta")]
    [InlineData("$(hdr(X-List){s.select,2,,})", "gamma")]
    [InlineData("$(hdr(X-List){s.select,3,,})", "<null>")]
    [InlineData("$(hdr(X-List){s.select,-1,,})", "gamma")]
    [InlineData("$(hdr(X-List){s.select,-3,,})", "alpha")]
    [InlineData("$(hdr(X-List){s.select,-4,,})", "<null>")]
    [InlineData("$(ru{s.select,1,@})", "example.com:5070;transport=tcp")]
    [InlineData("$(hdr(X-List){s.select,1,x})", "<null>")]
    public void SelectPicksAFieldFromEitherEnd(string expression, string expected)
    {
        Assert.Equal(expected, Eval(expression));
    }

    [Fact]
    public void ArgumentsMayBePseudoVariables()
    {
        Assert.Equal("beta", Eval("$(hdr(X-List){s.substr,$var(o),$var(n)})", "$var(o) = 6; $var(n) = 4;\n"));
        Assert.Equal("gamma", Eval("$(hdr(X-List){s.select,$var(i),,})", "$var(i) = 2;\n"));
        Assert.Equal("tcp", Eval("$(ru{uri.param,$var(p)})", "$var(p) = \"transport\";\n"));
        Assert.Equal("<null>", Eval("$(hdr(X-List){s.substr,$var(o),1})", "$var(o) = \"x\";\n")); // not an integer
    }

    [Fact]
    public void Md5IsLowerCaseHex()
    {
        // RFC 1321 test suite: MD5("abc").
        Assert.Equal("900150983cd24fb0d6963f7d28e17f72", Eval("$(var(s){s.md5})", "$var(s) = \"abc\";\n"));
        Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", Eval("$(var(s){s.md5})", "$var(s) = \"\";\n"));
    }

    [Fact]
    public void TrimRemovesBlanksOnBothSides()
    {
        Assert.Equal("[padded]", Eval("\"[\" + $(var(s){s.trim}) + \"]\"", "$var(s) = \" \t padded  \";\n"));
        Assert.Equal("3", Eval("$(var(s){s.trim}{s.len})", "$var(s) = \"  abc \";\n"));
    }

    [Theory]
    [InlineData("$(ru{uri.scheme})", "sip")]
    [InlineData("$(var(u){uri.headers})", "Subject=hi&Priority=urgent", "$var(u) = \"sips:alice@atlanta.com?Subject=hi&Priority=urgent\";\n")]
    [InlineData("$(var(u){uri.scheme})", "sips", "$var(u) = \"sips:alice@atlanta.com?Subject=hi&Priority=urgent\";\n")]
    [InlineData("$(var(u){uri.scheme})", "tel", "$var(u) = \"tel:+1-555-0100\";\n")]
    [InlineData("$(ru{uri.port})", "5070")]
    [InlineData("$(fu{uri.headers})", "<null>")]
    [InlineData("$(ct{uri.scheme})", "<null>")]
    public void UriSchemeAndHeaders(string expression, string expected, string prelude = "")
    {
        Assert.Equal(expected, Eval(expression, prelude));
    }

    [Theory]
    [InlineData("$(var(na){nameaddr.param,tag})", "a1b2")]
    [InlineData("$(var(na){nameaddr.param,TAG})", "a1b2")]
    [InlineData("$(var(na){nameaddr.param,lr})", "")]
    [InlineData("$(var(na){nameaddr.param,expires})", "60")]
    [InlineData("$(var(na){nameaddr.param,transport})", "<null>")] // a URI parameter, not a header one
    [InlineData("$(var(na){nameaddr.uri})", "sip:carol@chicago.example.com;transport=udp")]
    [InlineData("$(var(na){nameaddr.name})", "\"Carol\"")]
    public void NameAddrParametersAreTheHeaderOnes(string expression, string expected)
    {
        Assert.Equal(expected, Eval(expression, "$var(na) = \"\\\"Carol\\\" <sip:carol@chicago.example.com;transport=udp>;tag=a1b2;lr;expires=60\";\n"));
    }

    [Theory]
    [InlineData("$(si{ip.isip})", "1")]
    [InlineData("$(hdr(X-Ip){ip.isip})", "1")]
    [InlineData("$(rd{ip.isip})", "0")]
    [InlineData("$(var(v){ip.isip})", "1", "$var(v) = \"[::1]\";\n")]
    [InlineData("$(var(v){ip.isip})", "0", "$var(v) = \"1.2.3\";\n")]
    [InlineData("$(var(v){ip.isip})", "0", "$var(v) = \"256.1.1.1\";\n")]
    [InlineData("$(hdr(X-None){ip.isip})", "0")]
    public void IsIpAcceptsOnlyNumericAddresses(string expression, string expected, string prelude = "")
    {
        Assert.Equal(expected, Eval(expression, prelude));
    }

    [Theory]
    [InlineData("$(ru{s.substr,a,1})", "transformation '{s.substr}': offset 'a' is not an integer")]
    [InlineData("$(ru{s.select,1,ab})", "transformation '{s.select}': the separator must be one character, got 'ab'")]
    [InlineData("$(ru{s.select,x,;})", "transformation '{s.select}': index 'x' is not an integer")]
    [InlineData("$(ru{s.select,1,$var(s)})", "transformation '{s.select}': the separator must be a constant character")]
    public void BadConstantArgumentsFailAtStartUp(string expression, string message)
    {
        var program = ScriptTestHelper.LoadOk(ScriptTestHelper.ModuleLines + "route {\n$var(x) = " + expression + ";\n}\n");
        Assert.False(ScriptCompiler.TryCompile(program, out _, out var errors));
        Assert.Contains(errors, e => e.ToString().EndsWith(message, StringComparison.Ordinal) && e.ToString().StartsWith("test.cfg:", StringComparison.Ordinal));
    }

    [Fact]
    public void ArgumentThatIsMoreThanOneVariableIsABinderError()
    {
        Assert.Equal(["test.cfg:6:17: transformation '{s.substr}' argument 1 ('$var(a)x') must be a constant or one pseudo-variable"],
            ScriptTestHelper.RouteErrors("  $var(x) = $(ru{s.substr,$var(a)x,1});"));
    }
}
