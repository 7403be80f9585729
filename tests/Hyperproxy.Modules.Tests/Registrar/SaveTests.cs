using static Hyperproxy.Modules.Tests.Registrar.Registers;

namespace Hyperproxy.Modules.Tests.Registrar;

public sealed class SaveTests
{
    private static RegistrarHarness Make(string saveArgs = "\"location\"", string modparams = "") => new(Registers.Script(saveArgs), modparams);

    [Fact]
    public void SaveAnswers200WithTheBindingAndRemainingExpires()
    {
        using var h = Make();
        Sent r = h.Run(Register(expires: "600"))[0];
        Assert.Equal("SIP/2.0 200 OK", r.StartLine);
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=600"], r.Headers("Contact"));
        Assert.Empty(r.Headers("P-Registrar-Error"));
        h.Clock.Now += 100;
        Sent q = h.Run(Register(contacts: null, cseq: 2))[0];
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=500"], q.Headers("Contact"));
    }

    [Fact]
    public void ExpiresComesFromTheContactParamThenTheHeaderThenTheDefault()
    {
        using var h = Make();
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=120"], h.Run(Register("<sip:alice@192.0.2.10:5062>;expires=120", expires: "900"))[0].Headers("Contact"));
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=900"], h.Run(Register(expires: "900", cseq: 2))[0].Headers("Contact"));
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=3600"], h.Run(Register(cseq: 3))[0].Headers("Contact"));
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=3600"], h.Run(Register("<sip:alice@192.0.2.10:5062>;expires=abc", cseq: 4))[0].Headers("Contact"));
    }

    [Fact]
    public void ExpiresIsClampedToMinAndMaxWithout423()
    {
        using var h = Make();
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=60"], h.Run(Register(expires: "5"))[0].Headers("Contact"));
        using var m = Make("\"location\"", "modparam(\"registrar\", \"max_expires\", 300)");
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=300"], m.Run(Register(expires: "7200"))[0].Headers("Contact"));
    }

    [Fact]
    public void ExpiresMaxDeviationSpreadsTheGrantedExpiresWithinTheDeviationThenClamps()
    {
        using var h = Make("\"location\"", "modparam(\"registrar\", \"expires_max_deviation\", 30)\nmodparam(\"registrar\", \"max_expires\", 3610)");
        var granted = new HashSet<int>();
        for (int cseq = 1; cseq <= 40; cseq++)
        {
            string contact = Assert.Single(h.Run(Register(expires: "3600", cseq: cseq))[0].Headers("Contact"));
            int expires = int.Parse(contact[(contact.IndexOf("expires=", StringComparison.Ordinal) + 8)..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(expires, 3570, 3610);
            granted.Add(expires);
        }

        Assert.True(granted.Count > 1, "the deviation never moved the expires");
        Assert.Empty(h.Run(Register(expires: "0", cseq: 41))[0].Headers("Contact")); // a removal stays a removal
    }

    [Fact]
    public void PerCallMinAndMaxExpiresFlagsOverrideTheModuleInBothSyntaxes()
    {
        using var letters = Make("\"location\", \"e100E200\"");
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=100"], letters.Run(Register(expires: "70"))[0].Headers("Contact"));
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=200"], letters.Run(Register(expires: "900", cseq: 2))[0].Headers("Contact"));
        using var named = Make("\"location\", \"min-expires=100,max-expires=200\"");
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=200"], named.Run(Register(expires: "900"))[0].Headers("Contact"));
    }

    [Fact]
    public void QValuesAreStoredSortedAndPrintedWithoutTrailingZeros()
    {
        using var h = Make();
        h.Run(Register("<sip:a@192.0.2.1>;q=0.250, <sip:b@192.0.2.2>;q=1.0, <sip:c@192.0.2.3>, <sip:d@192.0.2.4>;q=0", expires: "600"));
        Assert.Equal(["<sip:b@192.0.2.2>;q=1;expires=600, <sip:a@192.0.2.1>;q=0.25;expires=600, <sip:d@192.0.2.4>;q=0;expires=600, <sip:c@192.0.2.3>;expires=600"],
            h.Sent[0].Headers("Contact"));
    }

    [Fact]
    public void DefaultQAppliesWhenTheContactHasNone()
    {
        using var h = Make("\"location\"", "modparam(\"registrar\", \"default_q\", 500)");
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;q=0.5;expires=600"], h.Run(Register(expires: "600"))[0].Headers("Contact"));
    }

    [Theory]
    [InlineData("2")]
    [InlineData("1.5")]
    [InlineData("0.1234")]
    [InlineData("x")]
    public void InvalidQIsRejectedWith400(string q)
    {
        using var h = Make();
        Sent r = h.Run(Register("<sip:alice@192.0.2.10:5062>;q=" + q))[0];
        Assert.Equal("SIP/2.0 400 Bad Request", r.StartLine);
        Assert.Equal(["Invalid q param in contact"], r.Headers("P-Registrar-Error"));
    }

    [Fact]
    public void StarWithExpiresZeroRemovesTheWholeAor()
    {
        using var h = Make();
        h.Run(Register("<sip:a@192.0.2.1>, <sip:b@192.0.2.2>"));
        Sent r = h.Run(Register("*", expires: "0", cseq: 1, callId: "other"))[0];
        Assert.Equal("SIP/2.0 200 OK", r.StartLine);
        Assert.Empty(r.Headers("Contact"));
        Assert.Empty(h.Run(Register(contacts: null, cseq: 5))[0].Headers("Contact"));
    }

    [Theory]
    [InlineData("*", null, "* used in contact and expires is not zero")]
    [InlineData("*", "30", "* used in contact and expires is not zero")]
    [InlineData("*, <sip:a@192.0.2.1>", "0", "* used in contact and more than 1 contact")]
    [InlineData("<sip:a@192.0.2.1>, *", "0", "* used in contact and more than 1 contact")]
    public void StarMisuseIsRejectedWith400(string contact, string? expires, string text)
    {
        using var h = Make();
        Sent r = h.Run(Register(contact, expires))[0];
        Assert.Equal("SIP/2.0 400 Bad Request", r.StartLine);
        Assert.Equal([text], r.Headers("P-Registrar-Error"));
    }

    [Fact]
    public void QueryWithoutContactListsTheBindingsAndChangesNothing()
    {
        using var h = Make();
        Assert.Empty(h.Run(Register(contacts: null))[0].Headers("Contact"));
        h.Run(Register(expires: "600", cseq: 2));
        Sent q = h.Run(Register(contacts: null, cseq: 3))[0];
        Assert.Equal("SIP/2.0 200 OK", q.StartLine);
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=600"], q.Headers("Contact"));
    }

    [Fact]
    public void ExpiresZeroRemovesOnlyThatBinding()
    {
        using var h = Make();
        h.Run(Register("<sip:a@192.0.2.1>, <sip:b@192.0.2.2>", expires: "600"));
        Sent r = h.Run(Register("<sip:a@192.0.2.1>;expires=0", cseq: 2))[0];
        Assert.Equal(["<sip:b@192.0.2.2>;expires=600"], r.Headers("Contact"));
    }

    [Fact]
    public void AnUpdateRefreshesTheBindingInsteadOfAddingOne()
    {
        using var h = Make();
        h.Run(Register(expires: "600"));
        h.Clock.Now += 50;
        Sent r = h.Run(Register("<sip:alice@192.0.2.10:5062>", expires: "300", cseq: 2))[0];
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=300"], r.Headers("Contact"));
    }

    [Fact]
    public void ContactMatchingUsesUriEquivalenceNotBytes()
    {
        using var h = Make();
        h.Run(Register("<sip:alice@Example.COM:5062>", expires: "600"));
        Sent r = h.Run(Register("<sip:alice@example.com:5062>", expires: "300", cseq: 2))[0];
        Assert.Equal(["<sip:alice@example.com:5062>;expires=300"], r.Headers("Contact"));
    }

    [Fact]
    public void LowerCSeqOnTheSameCallIdIsRejectedWith400()
    {
        using var h = Make();
        h.Run(Register(expires: "600", cseq: 10));
        h.Clock.Now += 60;
        Sent r = h.Run(Register(expires: "600", cseq: 5))[0];
        Assert.Equal("SIP/2.0 400 Bad Request", r.StartLine);
        Assert.Equal(["Invalid CSeq number"], r.Headers("P-Registrar-Error"));
    }

    [Fact]
    public void TheSameCSeqIsARefreshWithAllowDupCSeq()
    {
        using var h = Make();
        h.Run(Register(expires: "600", cseq: 10));
        h.Clock.Now += 100;
        Sent r = h.Run(Register(expires: "600", cseq: 10))[0];
        Assert.Equal("SIP/2.0 200 OK", r.StartLine);
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=600"], r.Headers("Contact"));
    }

    [Fact]
    public void ARetransmissionWithinCSeqDelayIsAcceptedSilentlyAndChangesNothing()
    {
        using var h = Make("\"location\"", "modparam(\"registrar\", \"allow_dup_cseq\", 0)");
        h.Run(Register(expires: "600", cseq: 10));
        h.Clock.Now += 5;
        Sent r = h.Run(Register(expires: "900", cseq: 10))[0];
        Assert.Equal("SIP/2.0 200 OK", r.StartLine);
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=595"], r.Headers("Contact"));
        h.Clock.Now += 30;
        Assert.Equal("SIP/2.0 400 Bad Request", h.Run(Register(expires: "900", cseq: 10))[0].StartLine);
    }

    [Fact]
    public void ADifferentCallIdUpdatesRegardlessOfCSeq()
    {
        using var h = Make();
        h.Run(Register(expires: "600", cseq: 10));
        Sent r = h.Run(Register(expires: "300", cseq: 1, callId: "new-call"))[0];
        Assert.Equal(["<sip:alice@192.0.2.10:5062>;expires=300"], r.Headers("Contact"));
    }

    [Fact]
    public void MaxContactsRejectsWith503AndRetryAfter()
    {
        using var h = Make("\"location\"", "modparam(\"registrar\", \"max_contacts\", 1)\nmodparam(\"registrar\", \"retry_after\", 30)");
        h.Run(Register("<sip:a@192.0.2.1>", expires: "600"));
        Sent r = h.Run(Register("<sip:b@192.0.2.2>", expires: "600", cseq: 2))[0];
        Assert.Equal("SIP/2.0 503 Service Unavailable", r.StartLine);
        Assert.Equal(["Too many registered contacts"], r.Headers("P-Registrar-Error"));
        Assert.Equal(["30"], r.Headers("Retry-After"));
        Assert.Equal(["<sip:a@192.0.2.1>;expires=600"], r.Headers("Contact"));
    }

    [Fact]
    public void MaxContactsOnAFreshAorSavesNothing()
    {
        using var h = Make("\"location\", \"c1\"");
        Sent r = h.Run(Register("<sip:a@192.0.2.1>, <sip:b@192.0.2.2>", expires: "600"))[0];
        Assert.Equal("SIP/2.0 503 Service Unavailable", r.StartLine);
        Assert.Empty(h.Run(Register(contacts: null, cseq: 2))[0].Headers("Contact"));
    }

    [Theory]
    [InlineData("\"location\", \"c1f\"")]
    [InlineData("\"location\", \"max-contacts=1,force-registration\"")]
    public void ForceRegistrationEvictsTheLastBindingInsteadOf503(string args)
    {
        using var h = Make(args);
        h.Run(Register("<sip:a@192.0.2.1>", expires: "600"));
        Sent r = h.Run(Register("<sip:b@192.0.2.2>", expires: "600", cseq: 2))[0];
        Assert.Equal("SIP/2.0 200 OK", r.StartLine);
        Assert.Equal(["<sip:b@192.0.2.2>;expires=600"], r.Headers("Contact"));
    }

    [Fact]
    public void ExpiredBindingsVanishFromRepliesAtOnce()
    {
        using var h = Make();
        h.Run(Register("<sip:a@192.0.2.1>;expires=100, <sip:b@192.0.2.2>;expires=600"));
        h.Clock.Now += 101;
        Assert.Equal(["<sip:b@192.0.2.2>;expires=499"], h.Run(Register(contacts: null, cseq: 2))[0].Headers("Contact"));
    }

    [Fact]
    public void TheContactsOwnReceivedIsStoredAndEchoedQuoted()
    {
        using var h = Make();
        Sent r = h.Run(Register("<sip:a@10.0.0.5:5060>;received=\"sip:198.51.100.7:4321\"", expires: "600"))[0];
        Assert.Equal(["<sip:a@10.0.0.5:5060>;expires=600;received=\"sip:198.51.100.7:4321\""], r.Headers("Contact"));
    }

    [Fact]
    public void ReceivedParamNamesTheEchoedParameter()
    {
        using var h = Make("\"location\"", "modparam(\"registrar\", \"received_param\", \"rcv\")");
        Sent r = h.Run(Register("<sip:a@10.0.0.5:5060>;received=\"sip:198.51.100.7:4321\"", expires: "600"))[0];
        Assert.Equal(["<sip:a@10.0.0.5:5060>;expires=600;rcv=\"sip:198.51.100.7:4321\""], r.Headers("Contact"));
    }

    [Fact]
    public void OnlyRequestContactsListsJustThisRequestsBindings()
    {
        using var h = Make("\"location\", \"o\"");
        h.Run(Register("<sip:a@192.0.2.1>", expires: "600"));
        Assert.Equal(["<sip:b@192.0.2.2>;expires=600"], h.Run(Register("<sip:b@192.0.2.2>", expires: "600", cseq: 2))[0].Headers("Contact"));
    }

    [Fact]
    public void NoReplyFlagSendsNothing()
    {
        using var h = Make("\"location\", \"no-reply\"");
        Assert.Empty(h.Run(Register(expires: "600")));
        using var letters = Make("\"location\", \"r\"");
        Assert.Empty(letters.Run(Register(expires: "600")));
    }

    [Fact]
    public void AorComesFromTheArgumentWhenGiven()
    {
        using var h = Make("\"location\", \"\", \"sip:carol@example.com\"");
        h.Run(Register(expires: "600"));
        using var check = h;
        h.Run(Invite("sip:carol@example.com"));
        Assert.Equal("INVITE sip:alice@192.0.2.10:5062 SIP/2.0", h.Last.StartLine);
    }

    [Fact]
    public void CaseInsensitiveAorsShareBindings()
    {
        using var h = Make("\"location\"", "modparam(\"registrar\", \"case_sensitive\", 0)");
        h.Run(Register(expires: "600", to: "<sip:ALICE@example.com>"));
        h.Run(Invite("sip:alice@example.com"));
        Assert.StartsWith("INVITE sip:alice@192.0.2.10:5062", h.Last.StartLine);
        using var s = Make();
        s.Run(Register(expires: "600", to: "<sip:ALICE@example.com>"));
        s.Run(Invite("sip:alice@example.com"));
        Assert.Equal("SIP/2.0 404 Not Found", s.Last.StartLine);
    }

    [Fact]
    public void UseDomainKeepsDomainsApart()
    {
        using var h = Make("\"location\"", "modparam(\"usrloc\", \"use_domain\", 1)");
        h.Run(Register(expires: "600", to: "<sip:alice@Example.com>"));
        h.Run(Invite("sip:alice@other.com"));
        Assert.Equal("SIP/2.0 404 Not Found", h.Last.StartLine);
        h.Run(Invite("sip:alice@example.COM"));
        Assert.StartsWith("INVITE sip:alice@192.0.2.10:5062", h.Last.StartLine);
    }

    [Fact]
    public void AnAorLongerThanTheLimitsIs500()
    {
        using var h = Make();
        Sent r = h.Run(Register(expires: "600", to: "<sip:" + new string('u', 65) + "@example.com>"))[0];
        Assert.Equal("SIP/2.0 500 Server Internal Error", r.StartLine);
        Assert.Equal(["Address Of Record too long"], r.Headers("P-Registrar-Error"));
    }

    [Fact]
    public void ALongSecondContactIs400ButALongFirstOneIsAccepted()
    {
        string longUri = "<sip:" + new string('x', 260) + "@192.0.2.1>";
        using var h = Make();
        Assert.Equal("SIP/2.0 200 OK", h.Run(Register(longUri, expires: "600"))[0].StartLine);
        Sent r = h.Run(Register("<sip:a@192.0.2.1>, " + longUri, expires: "600", cseq: 2))[0];
        Assert.Equal(["Contact/received too long"], r.Headers("P-Registrar-Error"));
    }

    [Fact]
    public void AnUnparsableExpiresHeaderIs400()
    {
        using var h = Make();
        Assert.Equal(["Expires parse error"], h.Run(Register(expires: "soon"))[0].Headers("P-Registrar-Error"));
    }

    [Fact]
    public void ACallIdLongerThan255Is400()
    {
        using var h = Make();
        Assert.Equal(["Callid too long"], h.Run(Register(expires: "600", callId: new string('c', 256)))[0].Headers("P-Registrar-Error"));
    }
}
