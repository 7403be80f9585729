using Hyperproxy.Modules.Registrar;

namespace Hyperproxy.Modules.Tests.Registrar;

public sealed class FlagTests
{
    [Theory]
    [InlineData("p0", PathMode.Off, false)]
    [InlineData("p1v", PathMode.Lazy, true)]
    [InlineData("p2v", PathMode.Strict, true)]
    [InlineData("path-off", PathMode.Off, false)]
    [InlineData("path-lazy, path-received", PathMode.Lazy, true)]
    [InlineData("path-strict,path-received", PathMode.Strict, true)]
    public void PathFlagsParseInBothSyntaxes(string text, PathMode mode, bool received)
    {
        Assert.True(SaveFlags.TryParse(text, out SaveFlags f, out _));
        Assert.Equal(mode, f.Path);
        Assert.Equal(received, f.PathReceived);
    }

    [Fact]
    public void EveryLetterFlagHasItsNamedTwin()
    {
        Assert.True(SaveFlags.TryParse("mrsfoc5e30E600M1", out SaveFlags l, out _));
        Assert.True(SaveFlags.TryParse("memory-only,no-reply,socket-header,force-registration,only-request-contacts,max-contacts=5,min-expires=30,max-expires=600,matching-mode=1", out SaveFlags n, out _));
        foreach (SaveFlags f in new[] { l, n })
        {
            Assert.True(f.MemoryOnly && f.NoReply && f.SocketHeader && f.Force && f.OnlyRequestContacts);
            Assert.Equal((5, 30, 600, 1), (f.MaxContacts, f.MinExpires, f.MaxExpires, f.MatchingMode));
        }
    }

    [Fact]
    public void C0KeepsTheModuleMaxContacts()
    {
        Assert.True(SaveFlags.TryParse("c0", out SaveFlags f, out _));
        Assert.Equal(-1, f.MaxContacts);
    }

    [Theory]
    [InlineData("x", "'x'")]
    [InlineData("p3", "'p3'")]
    [InlineData("p2q", "'q'")]
    [InlineData("path-sloppy", "'path-sloppy'")]
    [InlineData("path-strict,bogus=1", "'bogus=1'")]
    public void UnknownSaveFlagsAreRejectedNamingTheFlag(string text, string named)
    {
        Assert.False(SaveFlags.TryParse(text, out _, out string error));
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownFlagStopsStartUpAtItsPosition()
    {
        var catalog = new ModuleCatalog();
        string text = "loadmodule \"registrar.so\"\nroute {\n  save(\"location\", \"p2z\");\n}\n";
        Assert.Null(catalog.TryLoadText(text, "bad.cfg", out var errors));
        string all = string.Join("\n", errors);
        Assert.Contains("bad.cfg:3:", all, StringComparison.Ordinal);
        Assert.Contains("'z'", all, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("m")]
    [InlineData("bBr")]
    [InlineData("method-filtering,no-branches")]
    [InlineData("u/^x/ie")]
    public void LookupFlagsParse(string text) => Assert.True(LookupFlags.TryParse(text, out _, out _));

    [Theory]
    [InlineData("z")]
    [InlineData("u")]
    [InlineData("no-such-thing")]
    [InlineData("ua-filtering=/(/")]
    public void UnknownLookupFlagsAreRejected(string text) => Assert.False(LookupFlags.TryParse(text, out _, out _));
}
