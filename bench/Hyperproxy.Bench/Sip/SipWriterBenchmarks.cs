using BenchmarkDotNet.Attributes;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Bench.Sip;

/// <summary>
/// Writer over the ~900-byte INVITE with 4 edits (received after the top Via sent-by, a new top Via, top Route
/// removed, Request-URI rewritten). Baseline: a plain copy of the same bytes.
/// </summary>
[MemoryDiagnoser]
public class SipWriterBenchmarks
{
    private readonly SipMessage _message = new();
    private readonly SipEdits _edits = new();
    private readonly byte[] _output = new byte[4096];
    private byte[] _bytes = [];

    [GlobalSetup]
    public void Setup()
    {
        _bytes = BenchCorpus.Load("invite-sdp.sip");
        if (_message.Parse(_bytes, 0, _bytes.Length) != SipError.None)
        {
            throw new InvalidOperationException(_message.Error.ToString());
        }

        Record();
    }

    [Benchmark(Baseline = true)]
    public int Copy()
    {
        _bytes.AsSpan().CopyTo(_output);
        return _bytes.Length;
    }

    /// <summary>Applies 4 pre-recorded edits.</summary>
    [Benchmark]
    public int WriteFourEdits() => SipWriter.Write(_message, _edits, _output);

    /// <summary>Records the 4 edits (top Via parsed from the cache) and writes.</summary>
    [Benchmark]
    public int RecordAndWriteFourEdits()
    {
        Record();
        return SipWriter.Write(_message, _edits, _output);
    }

    /// <summary>A stateless 200 from the request with its received edit (sl_send_reply).</summary>
    [Benchmark]
    public int StatelessReply() => SipResponseWriter.Write(_message, _edits, 200, "OK"u8, "8321234356"u8, default, _output);

    private void Record()
    {
        SipMessage m = _message;
        SipEdits e = _edits;
        e.Reset(m);
        m.GetTopVia(out ViaHeader via);
        e.Insert(via.SentByEnd, ";received=203.0.113.9"u8);
        e.AddHeaderBefore(0, "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK.hp.1.deadbeef"u8);
        e.RemoveHeader(m.FindHeader(HeaderId.Route));
        e.SetRequestUri("sip:bob@192.0.2.44:5060"u8);
    }
}
