using Hyperproxy.Sip.Auth;
using Hyperproxy.Sip.Edits;
using Hyperproxy.Sip.Headers;
using Hyperproxy.Testing;

namespace Hyperproxy.Sip.Tests;

public class AllocationTests
{
    [Fact]
    public void ParseTypedAccessAndWriteAllocateNothingOver100kMessages()
    {
        byte[][] messages =
        [
            Corpus.Load("invite-sdp.sip"),
            Corpus.Load("register-path.sip"),
            Corpus.Load("ok-invite-rr.sip"),
        ];
        var m = new SipMessage();
        var edits = new SipEdits();
        var output = new byte[4096];
        var hex = new byte[32];
        long sink = Run(messages, m, edits, output, hex, 3000);
        Assert.Equal(0, Allocations.Least(() => sink += Run(messages, m, edits, output, hex, 100_000)));
        Assert.True(sink > 0);
    }

    private static long Run(byte[][] messages, SipMessage m, SipEdits edits, byte[] output, byte[] hex, int count)
    {
        long sink = 0;
        for (int i = 0; i < count; i++)
        {
            byte[] b = messages[i % messages.Length];
            if (m.Parse(b, 0, b.Length) != SipError.None)
            {
                return -1;
            }

            m.GetTopVia(out ViaHeader via);
            sink += via.Branch.Length + m.FromTag.Length + m.ToTag.Length + m.CallId.Length + m.CSeqNumber;
            foreach (HeaderValue v in m.Values(HeaderId.Contact))
            {
                if (NameAddr.TryParse(m.Span(v.Value), v.Value.Start, out NameAddr c) && SipUri.TryParse(m.Span(c.Uri), out SipUri u))
                {
                    sink += u.Host.Length;
                }
            }

            foreach (HeaderValue v in m.Values(HeaderId.Route))
            {
                NameAddr.TryParse(m.Span(v.Value), v.Value.Start, out NameAddr r);
                sink += r.Uri.Length;
            }

            sink += m.FindHeader("user-agent"u8) + m.CountHeaders(HeaderId.Via);
            edits.Reset(m);
            edits.Insert(via.SentByEnd, ";received=192.0.2.1"u8);
            edits.AddHeader("Record-Route: <sip:p1.example.com;lr>"u8);
            sink += SipWriter.Write(m, edits, output);
            if (m.IsRequest)
            {
                sink += SipResponseWriter.Write(m, edits, 200, "OK"u8, "tag1"u8, default, output);
            }

            if (i % 16 == 0)
            {
                DigestCalculator.Ha1("user"u8, "realm"u8, "pw"u8, hex);
                sink += hex[0];
            }
        }

        return sink;
    }
}
