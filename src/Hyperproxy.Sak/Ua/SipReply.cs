using System.Net;
using System.Text;
using Hyperproxy.Sip;

namespace Hyperproxy.Sak.Ua;

/// <summary>A received SIP message copied out of the receive buffer (cold path: the CLI modes).</summary>
public sealed class SipReply
{
    private SipReply(byte[] bytes, SipMessage message, double rttMs, IPEndPoint? source)
    {
        Source = source;
        Bytes = bytes;
        Message = message;
        RttMs = rttMs;
    }

    public byte[] Bytes { get; }

    /// <summary>The parsed view over <see cref="Bytes"/>.</summary>
    public SipMessage Message { get; }

    public double RttMs { get; }

    /// <summary>The address the message came from (null when unknown): where a response to a request goes.</summary>
    public IPEndPoint? Source { get; }

    public int StatusCode => Message.StatusCode;

    public string Text => Encoding.UTF8.GetString(Bytes);

    /// <summary>The first line ("SIP/2.0 200 OK").</summary>
    public string StartLine => Encoding.UTF8.GetString(Message.Span(Message.StartLine)).TrimEnd('\r', '\n');

    /// <summary>Parses a copy of <paramref name="data"/>; null when it is not a SIP message.</summary>
    public static SipReply? TryParse(ReadOnlySpan<byte> data, double rttMs, IPEndPoint? source = null)
    {
        byte[] bytes = data.ToArray();
        var message = new SipMessage();
        if (message.Parse(bytes, 0, bytes.Length) != SipError.None)
            return null;
        return new SipReply(bytes, message, rttMs, source);
    }

    /// <summary>The whole value of the first header with this id, or null.</summary>
    public string? Header(HeaderId id) =>
        Message.FindHeader(id) < 0 ? null : Encoding.UTF8.GetString(Message.HeaderValue(id));

    /// <summary>Every value of a header (comma lists split), in order.</summary>
    public List<string> Headers(HeaderId id)
    {
        var all = new List<string>();
        foreach (HeaderValue v in Message.Values(id))
            all.Add(Encoding.UTF8.GetString(Message.Span(v.Value)));
        return all;
    }

    public string Range(TextRange range) => range.IsPresent ? Encoding.UTF8.GetString(Message.Span(range)) : "";
}
