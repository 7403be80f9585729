using BenchmarkDotNet.Attributes;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Bench.Sip;

/// <summary>
/// Index-building parse and typed accesses over corpus messages. Baseline: one vectorized pass that finds every
/// line end (IndexOf '\n' per line) over the same bytes, the least any line-oriented parser must do.
/// </summary>
[MemoryDiagnoser]
public class SipParseBenchmarks
{
    private readonly SipMessage _message = new();
    private byte[] _bytes = [];

    [Params("invite-sdp.sip", "register-path.sip", "ok-invite-rr.sip")]
    public string Message { get; set; } = "invite-sdp.sip";

    [GlobalSetup]
    public void Setup()
    {
        _bytes = BenchCorpus.Load(Message);
        if (_message.Parse(_bytes, 0, _bytes.Length) != SipError.None)
        {
            throw new InvalidOperationException($"{Message}: {_message.Error}");
        }
    }

    [Benchmark(Baseline = true)]
    public int CrlfScan()
    {
        ReadOnlySpan<byte> s = _bytes;
        int lines = 0;
        int pos = 0;
        while (true)
        {
            int i = s[pos..].IndexOf((byte)'\n');
            if (i < 0)
            {
                return lines;
            }

            lines++;
            pos += i + 1;
        }
    }

    [Benchmark]
    public SipError Parse() => _message.Parse(_bytes, 0, _bytes.Length);

    /// <summary>Top Via branch, From tag, To tag, Call-ID, CSeq, Contact URI and the Route list, on a parsed message.</summary>
    [Benchmark]
    public int TypedAccess()
    {
        SipMessage m = _message;
        m.Parse(_bytes, 0, _bytes.Length);
        return Access(m);
    }

    /// <summary>Parse plus <see cref="SipMessage.Validate"/> (top Via, From, To, every Contact/Route/Record-Route/Path), as the proxy does per request.</summary>
    [Benchmark]
    public SipError ParseAndValidate()
    {
        SipMessage m = _message;
        m.Parse(_bytes, 0, _bytes.Length);
        return m.Validate();
    }

    /// <summary>Parse, Validate, then the typed accesses of <see cref="TypedAccess"/> (what a proxy does per request).</summary>
    [Benchmark]
    public int ValidateAndTypedAccess()
    {
        SipMessage m = _message;
        m.Parse(_bytes, 0, _bytes.Length);
        m.Validate();
        return Access(m);
    }

    /// <summary>The accesses of <see cref="TypedAccess"/> done by splitting lists with Values and parsing each element (the way before NameAddrs).</summary>
    [Benchmark]
    public int TypedAccessSplitThenParse()
    {
        SipMessage m = _message;
        m.Parse(_bytes, 0, _bytes.Length);
        int sink = m.TopViaBranch.Length + m.FromTag.Length + m.ToTag.Length + m.CallId.Length + (int)m.CSeqNumber + (int)m.CSeqMethod;
        foreach (HeaderValue v in m.Values(HeaderId.Contact))
        {
            if (NameAddr.TryParse(m.Span(v.Value), v.Value.Start, out NameAddr c))
            {
                sink += c.Uri.Start;
            }

            break;
        }

        foreach (HeaderValue v in m.Values(HeaderId.Route))
        {
            if (NameAddr.TryParse(m.Span(v.Value), v.Value.Start, out NameAddr r))
            {
                sink += r.Uri.Length;
            }
        }

        return sink;
    }

    /// <summary>Typed access the intended way: cached top Via/From/To, the first Contact kept on the message, Route elements parsed in one pass.</summary>
    private static int Access(SipMessage m)
    {
        int sink = m.TopViaBranch.Length + m.FromTag.Length + m.ToTag.Length + m.CallId.Length + (int)m.CSeqNumber + (int)m.CSeqMethod;
        if (m.GetFirstContact(out NameAddr c) == SipError.None)
        {
            sink += c.Uri.Start;
        }

        foreach (ref readonly NameAddr r in m.NameAddrs(HeaderId.Route))
        {
            sink += r.Uri.Length;
        }

        return sink;
    }
}
