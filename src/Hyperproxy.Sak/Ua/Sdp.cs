namespace Hyperproxy.Sak.Ua;

/// <summary>The minimal session description an INVITE and its 200 carry (audio to the discard port).</summary>
public static class Sdp
{
    public static string Offer(string host)
    {
        string bare = host.Trim('[', ']');
        string family = bare.Contains(':', StringComparison.Ordinal) ? "IP6" : "IP4";
        return "v=0\r\no=hypersak 1 1 IN " + family + " " + bare + "\r\ns=-\r\nc=IN " + family + " " + bare
            + "\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    }
}
