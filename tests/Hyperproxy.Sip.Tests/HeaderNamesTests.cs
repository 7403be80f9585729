using System.Text;
using Hyperproxy.Sip.Headers;
using Hyperproxy.Testing;

namespace Hyperproxy.Sip.Tests;

/// <summary>Every row of <see cref="KnownHeaders"/> through <see cref="HeaderNames"/>, in every letter case.</summary>
public sealed class HeaderNamesTests
{
    public static TheoryData<string, HeaderId> LongNames()
    {
        var data = new TheoryData<string, HeaderId>();
        foreach (KnownHeader h in KnownHeaders.All)
        {
            data.Add(h.Name, h.Id);
        }

        return data;
    }

    public static TheoryData<char, HeaderId> CompactNames()
    {
        var data = new TheoryData<char, HeaderId>();
        foreach (KnownHeader h in KnownHeaders.All)
        {
            if (h.Compact != '\0')
            {
                data.Add(h.Compact, h.Id);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(LongNames))]
    public void EveryLongNameIsRecognisedInLowerUpperAndMixedCase(string name, HeaderId id)
    {
        Assert.Equal(id, Lookup(name));
        Assert.Equal(id, Lookup(name.ToLowerInvariant()));
        Assert.Equal(id, Lookup(name.ToUpperInvariant()));
        Assert.Equal(id, Lookup(Alternate(name, upperFirst: true)));
        Assert.Equal(id, Lookup(Alternate(name, upperFirst: false)));
    }

    [Theory]
    [MemberData(nameof(CompactNames))]
    public void EveryCompactFormIsRecognisedInBothCases(char compact, HeaderId id)
    {
        Assert.Equal(id, Lookup(char.ToLowerInvariant(compact).ToString()));
        Assert.Equal(id, Lookup(char.ToUpperInvariant(compact).ToString()));
    }

    [Theory]
    [InlineData("Accept-Contact", HeaderId.AcceptContact)]
    [InlineData("accept-contact", HeaderId.AcceptContact)]
    [InlineData("ACCEPT-CONTACT", HeaderId.AcceptContact)]
    [InlineData("Reject-Contact", HeaderId.RejectContact)]
    [InlineData("reject-contact", HeaderId.RejectContact)]
    [InlineData("REJECT-CONTACT", HeaderId.RejectContact)]
    [InlineData("a", HeaderId.AcceptContact)]
    [InlineData("J", HeaderId.RejectContact)]
    public void AcceptContactAndRejectContactAreRecognisedInBothForms(string name, HeaderId id) =>
        Assert.Equal(id, Lookup(name));

    [Fact]
    public void EveryHeaderIdHasExactlyOneRowAndEveryCompactLetterOneHeader()
    {
        var ids = new HashSet<HeaderId>();
        var compacts = new HashSet<char>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (KnownHeader h in KnownHeaders.All)
        {
            Assert.True(ids.Add(h.Id), $"{h.Id} has two rows");
            Assert.True(names.Add(h.Name), $"{h.Name} is listed twice");
            Assert.True(h.Compact == '\0' || compacts.Add(char.ToLowerInvariant(h.Compact)), $"compact form {h.Compact} is used twice");
            Assert.Matches("^[A-Za-z][A-Za-z-]*[A-Za-z]$", h.Name);
        }

        foreach (HeaderId id in Enum.GetValues<HeaderId>())
        {
            Assert.True(id == HeaderId.Other || ids.Contains(id), $"{id} has no row in KnownHeaders");
        }
    }

    [Theory]
    [MemberData(nameof(LongNames))]
    public void CanonicalGivesTheNameAsTheTableWritesIt(string name, HeaderId id) =>
        Assert.Equal(name, Encoding.ASCII.GetString(HeaderNames.Canonical(id)));

    [Theory]
    [MemberData(nameof(LongNames))]
    public void PrefixesAndOneLetterChangesOfAKnownNameAreOther(string name, HeaderId id)
    {
        for (int length = 2; length < name.Length; length++)
        {
            Assert.NotEqual(id, Lookup(name[..length]));
        }

        for (int i = 0; i < name.Length; i++)
        {
            char[] changed = name.ToCharArray();
            changed[i] = changed[i] == 'q' ? 'z' : 'q';
            Assert.Equal(HeaderId.Other, Lookup(new string(changed)));
        }

        Assert.Equal(HeaderId.Other, Lookup(name + "x"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("z")]
    [InlineData("1")]
    [InlineData("@")]
    [InlineData("{")]
    [InlineData("X-Custom")]
    [InlineData("_______________________")]
    [InlineData("~")]
    public void UnknownNamesAreOther(string name) => Assert.Equal(HeaderId.Other, Lookup(name));

    [Fact]
    public void EveryByteAsAOneByteNameIsEitherACompactFormOrOther()
    {
        var compact = new Dictionary<int, HeaderId>();
        foreach (KnownHeader h in KnownHeaders.All)
        {
            if (h.Compact != '\0')
            {
                compact[char.ToLowerInvariant(h.Compact)] = h.Id;
                compact[char.ToUpperInvariant(h.Compact)] = h.Id;
            }
        }

        for (int b = 0; b < 256; b++)
        {
            HeaderId expected = compact.TryGetValue(b, out HeaderId id) ? id : HeaderId.Other;
            Assert.Equal(expected, HeaderNames.Lookup([(byte)b]));
        }
    }

    [Fact]
    public void LookupDoesNotAllocate()
    {
        byte[][] names = new byte[KnownHeaders.All.Length][];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = Encoding.ASCII.GetBytes(KnownHeaders.All[i].Name.ToUpperInvariant());
        }

        int found = 0;
        long allocated = Allocations.Least(() =>
        {
            for (int round = 0; round < 1000; round++)
            {
                foreach (byte[] name in names)
                {
                    found += HeaderNames.Lookup(name) != HeaderId.Other ? 1 : 0;
                }
            }
        });
        Assert.Equal(0, allocated);
        Assert.True(found >= 1000 * names.Length);
    }

    private static HeaderId Lookup(string name) => HeaderNames.Lookup(Encoding.ASCII.GetBytes(name));

    /// <summary>"aCcEpT-..." or "AcCePt-...": letters alternate between cases.</summary>
    private static string Alternate(string name, bool upperFirst)
    {
        var chars = new char[name.Length];
        for (int i = 0; i < name.Length; i++)
        {
            bool upper = (i % 2 == 0) == upperFirst;
            chars[i] = upper ? char.ToUpperInvariant(name[i]) : char.ToLowerInvariant(name[i]);
        }

        return new string(chars);
    }
}
