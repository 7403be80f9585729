using Hyperproxy.Sip.Edits;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sip.Tests;

/// <summary>Randomized mutations of valid messages (fixed seeds, bounded count): the parser and views never throw.</summary>
public class MutationTests
{
    private static readonly byte[] s_interesting = "\r\n \t:;,<>\"\\@[]=%0\0\u00ff/?*"u8.ToArray();

    [Theory]
    [InlineData(1, "invite-sdp.sip")]
    [InlineData(2, "register-path.sip")]
    [InlineData(3, "ok-invite-rr.sip")]
    [InlineData(4, "rfc4475/wsinv.sip")]
    [InlineData(5, "rfc4475/intmeth.sip")]
    [InlineData(6, "rfc4475/esc01.sip")]
    public void MutatedMessagesNeverThrowAndAlwaysTerminate(int seed, string file)
    {
        byte[] original = Corpus.Load(file);
        var rng = new Random(seed);
        var m = new SipMessage();
        var edits = new SipEdits();
        var output = new byte[original.Length * 3];
        var buffer = new byte[original.Length + 64];
        int accepted = 0;
        for (int iteration = 0; iteration < 3000; iteration++)
        {
            int length = Mutate(rng, original, buffer);
            SipError e = m.Parse(buffer, 0, length);
            if (e != SipError.None)
            {
                Assert.InRange(m.ErrorOffset, 0, length);
                Assert.False(SipErrors.ReasonPhrase(e).IsEmpty);
                continue;
            }

            accepted++;
            Exercise(m, edits, output);
        }

        Assert.True(accepted > 0);
    }

    private static int Mutate(Random rng, byte[] original, byte[] buffer)
    {
        original.CopyTo(buffer, 0);
        int length = original.Length;
        int count = rng.Next(1, 4);
        for (int i = 0; i < count; i++)
        {
            int pos = rng.Next(length);
            switch (rng.Next(4))
            {
                case 0:
                    buffer[pos] = s_interesting[rng.Next(s_interesting.Length)];
                    break;
                case 1:
                    buffer[pos] = (byte)rng.Next(256);
                    break;
                case 2:
                    if (length > 1)
                    {
                        Array.Copy(buffer, pos + 1, buffer, pos, length - pos - 1);
                        length--;
                    }

                    break;
                default:
                    if (length < buffer.Length)
                    {
                        Array.Copy(buffer, pos, buffer, pos + 1, length - pos);
                        buffer[pos] = s_interesting[rng.Next(s_interesting.Length)];
                        length++;
                    }

                    break;
            }
        }

        return length;
    }

    private static void Exercise(SipMessage m, SipEdits edits, byte[] output)
    {
        m.Validate();
        m.GetTopVia(out _);
        _ = m.FromTag;
        _ = m.ToTag;
        foreach (HeaderValue v in m.Values(HeaderId.Contact))
        {
            if (NameAddr.TryParse(m.Span(v.Value), v.Value.Start, out NameAddr na) && !na.IsStar)
            {
                SipUri.TryParse(m.Span(na.Uri), out SipUri u);
                SipUri.Equivalent(m.Span(na.Uri), u, m.Span(na.Uri), u);
            }
        }

        foreach (HeaderValue v in m.Values(HeaderId.Via))
        {
            ViaHeader.TryParse(m.Span(v.Value), v.Value.Start, out _);
        }

        SipUri.TryParse(m.Span(m.RequestUri), out _);
        for (int i = 0; i < m.HeaderCount; i++)
        {
            DigestHeader.TryParse(m.Span(m.Header(i).Value), 0, out _);
            MediaType.TryParse(m.Span(m.Header(i).Value), 0, out _);
        }

        edits.Reset(m);
        edits.AddHeader("X-Mutated: 1"u8);
        if (m.HeaderCount > 1)
        {
            edits.RemoveHeader(1);
        }

        edits.Replace(m.Body, "x"u8);
        Assert.True(SipWriter.Write(m, edits, output) > 0);
        if (m.IsRequest)
        {
            Assert.True(SipResponseWriter.Write(m, edits, 400, "Bad Request"u8, "t"u8, default, output) > 0);
        }
    }
}
