using System.Text;
using Hyperproxy.Testing;

namespace Hyperproxy.Modules.Tests.Registrar;

/// <summary>
/// save() and lookup() through the compiled script allocate nothing once warm: a REGISTER with two Path
/// entries updating its binding (CSeq rising every time, as a re-registering UA does), and an INVITE
/// looked up and forwarded with the stored Path as its Route set.
/// </summary>
public sealed class RegistrarAllocationTests
{
    private const int WarmUp = 1_000;
    private const int Iterations = 100_000;

    // Nine digits, rewritten in place: the request length never changes.
    private const string CSeqMarker = "CSeq: 100000000 REGISTER";

    private static byte[] Bytes(string request) => Encoding.UTF8.GetBytes(request.ReplaceLineEndings("\r\n"));

    private static byte[] RegisterWithTwoPaths() => Bytes(Registers.Register(
        "<sip:alice@192.0.2.10:5062>;expires=3600",
        path: ["<sip:192.0.2.2;lr>", "<sip:192.0.2.1:5070;lr;received=sip:198.51.100.7:40000>"],
        extra: "Supported: path").Replace("CSeq: 1 REGISTER", CSeqMarker));

    private static void WriteCSeq(byte[] request, int at, int cseq)
    {
        for (int i = 8; i >= 0; i--)
        {
            request[at + i] = (byte)('0' + (cseq % 10));
            cseq /= 10;
        }
    }

    private static RegistrarHarness Harness()
    {
        var h = new RegistrarHarness(Registers.Script("\"location\", \"p1v\""));
        h.Recording = false;
        return h;
    }

    [Fact]
    public void SaveOfARegisterWithTwoPathEntriesAllocatesNothing()
    {
        using RegistrarHarness h = Harness();
        byte[] register = RegisterWithTwoPaths();
        int at = Encoding.ASCII.GetString(register).IndexOf(CSeqMarker, StringComparison.Ordinal) + "CSeq: ".Length;
        int cseq = 100_000_000;
        for (int i = 0; i < WarmUp; i++)
        {
            WriteCSeq(register, at, ++cseq);
            h.RunBytes(register, register.Length);
        }

        int firstLength = h.LastWritten;
        long written = 0;
        long allocated = Allocations.Least(() =>
        {
            written = 0;
            for (int i = 0; i < Iterations; i++)
            {
                WriteCSeq(register, at, ++cseq);
                h.RunBytes(register, register.Length);
                written += h.LastWritten;
            }
        });

        // Every iteration of the last round wrote a reply of the same size, and the last one is a 200 OK that echoes both Path entries: the loop measured real saves.
        h.Recording = true;
        WriteCSeq(register, at, ++cseq);
        Sent reply = Assert.Single(h.Run(Encoding.UTF8.GetString(register)));
        Assert.StartsWith("SIP/2.0 200 OK", reply.Text, StringComparison.Ordinal);
        Assert.Contains("Path: <sip:192.0.2.2;lr>", reply.Text, StringComparison.Ordinal);
        Assert.Contains("received=sip:198.51.100.7:40000", reply.Text, StringComparison.Ordinal);
        Assert.Equal((long)firstLength * Iterations, written);
        Assert.Equal(reply.Text.Length, firstLength);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void SaveWithTheReceivedAvpAndLookupToItAllocateNothing()
    {
        const string script = "route {\n"
            + "  if (is_method(\"REGISTER\")) { $avp(rcv) = \"sip:\" + $si + \":\" + $sp; save(\"location\"); exit; }\n"
            + "  lookup(\"location\");\n"
            + "  forward();\n"
            + "}\n";
        using var h = new RegistrarHarness(script, "modparam(\"registrar\", \"received_avp\", \"$avp(rcv)\")") { Recording = false };
        byte[] register = Bytes(Registers.Register("<sip:alice@192.0.2.10:5062>;expires=3600").Replace("CSeq: 1 REGISTER", CSeqMarker));
        int at = Encoding.ASCII.GetString(register).IndexOf(CSeqMarker, StringComparison.Ordinal) + "CSeq: ".Length;
        byte[] invite = Bytes(Registers.Invite());
        int cseq = 100_000_000;
        for (int i = 0; i < WarmUp; i++)
        {
            WriteCSeq(register, at, ++cseq);
            h.RunBytes(register, register.Length);
            h.RunBytes(invite, invite.Length);
        }

        long allocated = Allocations.Least(() =>
        {
            for (int i = 0; i < Iterations / 2; i++)
            {
                WriteCSeq(register, at, ++cseq);
                h.RunBytes(register, register.Length);
                h.RunBytes(invite, invite.Length);
            }
        });

        // The loop stored the AVP as received and sent the INVITE to it.
        h.Recording = true;
        WriteCSeq(register, at, ++cseq);
        Sent reply = Assert.Single(h.Run(Encoding.UTF8.GetString(register)));
        Assert.Contains("received=\"sip:127.0.0.9:40000\"", reply.Text, StringComparison.Ordinal);
        Sent forwarded = Assert.Single(h.Run(Registers.Invite()));
        Assert.Equal(RegistrarHarness.Uac, forwarded.Destination);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void LookupOfAnInviteThroughTheStoredPathAllocatesNothing()
    {
        using RegistrarHarness h = Harness();
        byte[] register = RegisterWithTwoPaths();
        int at = Encoding.ASCII.GetString(register).IndexOf(CSeqMarker, StringComparison.Ordinal) + "CSeq: ".Length;
        WriteCSeq(register, at, 100_000_001);
        h.RunBytes(register, register.Length);
        byte[] invite = Bytes(Registers.Invite());
        for (int i = 0; i < WarmUp; i++)
        {
            h.RunBytes(invite, invite.Length);
        }

        int firstLength = h.LastWritten;
        long written = 0;
        long allocated = Allocations.Least(() =>
        {
            written = 0;
            for (int i = 0; i < Iterations; i++)
            {
                h.RunBytes(invite, invite.Length);
                written += h.LastWritten;
            }
        });

        // Every iteration of the last round forwarded the same bytes; the INVITE left for the first Path hop with both Path entries as its Route set.
        h.Recording = true;
        Sent forwarded = Assert.Single(h.Run(Registers.Invite()));
        Assert.StartsWith("INVITE sip:alice@192.0.2.10:5062 SIP/2.0", forwarded.Text, StringComparison.Ordinal);
        Assert.Contains("Route: <sip:192.0.2.2;lr>", forwarded.Text, StringComparison.Ordinal);
        Assert.Equal((long)firstLength * Iterations, written);
        Assert.Equal(forwarded.Text.Length, firstLength);
        Assert.Equal(0, allocated);
    }
}
