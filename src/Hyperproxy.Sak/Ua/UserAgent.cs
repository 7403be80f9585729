using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Hyperproxy.Sak.Cli;
using Hyperproxy.Sip;

namespace Hyperproxy.Sak.Ua;

/// <summary>
/// The client side of the CLI modes: one socket, one local identity, non-INVITE client
/// transactions over UDP (RFC 3261 §17.1.2: retransmit from T1 doubling to T2, give up after
/// T1 x the timeout factor), digest answers, and a hook for requests that arrive meanwhile.
/// </summary>
public sealed class UserAgent : IDisposable
{
    private const int T2Ms = 4000;
    private readonly byte[] _buffer = new byte[65536];
    private readonly TextWriter _out;

    public UserAgent(SakOptions options, TextWriter stdout)
    {
        Options = options;
        _out = stdout;
        Target = SipTarget.Resolve(options.Uri!, options.RemotePort, options.OutboundProxy, options.Routes);
        Socket = new UaSocket(Target.Destination, options.LocalIp, options.LocalPort);
        Random = options.Seed != 0 ? new Random(options.Seed) : new Random();
        LocalHost = options.Hostname ?? SipTarget.FormatHost(Socket.LocalAddress);
        SentBy = LocalHost + ":" + Socket.LocalPort.ToString(CultureInfo.InvariantCulture);
        ViaSentBy = options.NoVia ? null
            : options.FqdnInVia ? Fqdn() + ":" + Socket.LocalPort.ToString(CultureInfo.InvariantCulture)
            : SentBy;
    }

    public SakOptions Options { get; }

    public SipTarget Target { get; }

    public UaSocket Socket { get; }

    public Random Random { get; }

    /// <summary>Our host as written in headers (-H, else the local address).</summary>
    public string LocalHost { get; }

    /// <summary>host:port of our Contact (and Via unless -n or -i).</summary>
    public string SentBy { get; }

    /// <summary>host:port of our Via: <see cref="SentBy"/>, this machine's FQDN with -n, null (no Via) with -i.</summary>
    public string? ViaSentBy { get; }

    /// <summary>This machine's fully qualified name (-n), or its plain host name when it does not resolve.</summary>
    private static string Fqdn()
    {
        string name = System.Net.Dns.GetHostName();
        try
        {
            return System.Net.Dns.GetHostEntry(name).HostName;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return name;
        }
    }

    public string NewBranch() => "z9hG4bK.hs" + Random.NextInt64().ToString("x16", CultureInfo.InvariantCulture);

    public string NewTag() => Random.Next().ToString("x8", CultureInfo.InvariantCulture);

    public string NewCallId() => Random.NextInt64().ToString("x16", CultureInfo.InvariantCulture) + "@" + LocalHost;

    /// <summary>A request to <paramref name="requestUri"/> from sip:hypersak@us (or -c), with the --route set.</summary>
    public SipRequest NewRequest(string method, string requestUri, string to, string? from = null)
    {
        var request = new SipRequest
        {
            Method = method,
            RequestUri = requestUri,
            To = to,
            From = from ?? Options.From ?? "sip:hypersak@" + SentBy,
            FromTag = NewTag(),
            CallId = NewCallId(),
            MaxForwards = Options.MaxForwards >= 0 ? Options.MaxForwards : 70,
            ExtraHeaders = Options.ExtraHeaders,
        };
        request.Routes.AddRange(Options.Routes);
        return request;
    }

    /// <summary>
    /// Runs one transaction; answers one 401/407 with digest credentials when -a/-u were given
    /// (or the URI has a user). Requests arriving meanwhile go to <paramref name="onRequest"/>.
    /// </summary>
    public TransactionResult SendWithAuth(SipRequest request, Action<SipReply>? onRequest = null)
    {
        TransactionResult result = Send(request, onRequest);
        int code = result.StatusCode;
        if ((code == 401 || code == 407) && (Options.Password != null || Options.AuthUser != null))
        {
            string? challenge = result.Final!.Header(code == 401 ? HeaderId.WwwAuthenticate : HeaderId.ProxyAuthenticate);
            string user = Options.AuthUser ?? Target.User ?? "hypersak";
            string? header = challenge == null ? null : DigestAuth.Answer(challenge, code == 407, request.Method,
                request.RequestUri, user, Options.Password ?? "", DigestAuth.NewCnonce(Random));
            if (header == null)
                return result;
            request.Authorization = header;
            request.CSeq++;
            result = Send(request, onRequest);
            if (result.StatusCode is 401 or 407)
            {
                result = new TransactionResult
                {
                    Final = result.Final,
                    Provisional = result.Provisional,
                    Retransmissions = result.Retransmissions,
                    AuthFailed = true,
                };
            }
        }
        return result;
    }

    /// <summary>The Via branch of the last request <see cref="Send"/> sent (a non-2xx ACK reuses it).</summary>
    public string LastBranch { get; private set; } = "";

    /// <summary>One client transaction: send, retransmit, wait for the final response.</summary>
    public TransactionResult Send(SipRequest request, Action<SipReply>? onRequest = null)
    {
        string branch = NewBranch();
        LastBranch = branch;
        byte[] datagram = request.Build(ViaSentBy, branch);
        return Exchange(datagram, branch, onRequest, hop: request.NextHop);
    }

    /// <summary>
    /// Sends <paramref name="datagram"/> to <paramref name="hop"/> (default: the target's destination)
    /// and waits for the final response carrying <paramref name="branch"/>.
    /// </summary>
    public TransactionResult Exchange(byte[] datagram, string? branch, Action<SipReply>? onRequest, int? timeoutMs = null, bool retransmit = true, IPEndPoint? hop = null)
    {
        hop ??= Socket.Destination;
        if (Options.Verbosity >= 2)
            _out.Write("request sent:\n" + Encoding.UTF8.GetString(datagram) + "\n");
        long start = Stopwatch.GetTimestamp();
        long total = timeoutMs ?? (long)Options.TimerT1Ms * Options.TimeoutFactor;
        long nextSend = Options.TimerT1Ms;
        long interval = Options.TimerT1Ms;
        int retransmissions = 0;
        SipReply? provisional = null;
        byte[] branchBytes = branch == null ? [] : Encoding.ASCII.GetBytes(branch);
        Socket.SendTo(datagram, hop);
        while (true)
        {
            long elapsed = (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (elapsed >= total)
                return new TransactionResult { Provisional = provisional, Retransmissions = retransmissions };
            if (retransmit && provisional == null && elapsed >= nextSend)
            {
                Socket.SendTo(datagram, hop);
                retransmissions++;
                interval = Math.Min(interval * 2, T2Ms);
                nextSend = elapsed + interval;
            }
            long wait = Math.Min(total - elapsed, retransmit && provisional == null ? nextSend - elapsed : total - elapsed);
            int n = Socket.Receive(_buffer, (int)Math.Max(1, wait));
            if (n == 0)
                continue;
            SipReply? reply = SipReply.TryParse(_buffer.AsSpan(0, n), Stopwatch.GetElapsedTime(start).TotalMilliseconds, Socket.LastSource);
            if (reply == null)
                continue;
            if (reply.Message.IsRequest)
            {
                onRequest?.Invoke(reply);
                continue;
            }
            if (branchBytes.Length > 0 && !reply.Message.Span(reply.Message.TopViaBranch).SequenceEqual(branchBytes))
                continue;
            if (Options.Verbosity >= 2)
                _out.Write("message received:\n" + reply.Text + "\n");
            if (reply.StatusCode < 200)
            {
                provisional = reply;
                continue;
            }
            return new TransactionResult { Final = reply, Provisional = provisional, Retransmissions = retransmissions };
        }
    }

    /// <summary>Sends one datagram that expects no answer (an ACK), shown with -vv.</summary>
    public void SendOnly(SipRequest request)
    {
        byte[] datagram = request.Build(ViaSentBy, NewBranch());
        if (Options.Verbosity >= 2)
            _out.Write("request sent:\n" + Encoding.UTF8.GetString(datagram) + "\n");
        Socket.SendTo(datagram, request.NextHop ?? Socket.Destination);
    }

    /// <summary>
    /// Where an in-dialog request goes (RFC 3261 §12.2.1.1 with §8.1.2): the address of the first
    /// route (a loose router's Route URI, a strict router's Request-URI: the same URI), or the
    /// remote target when the route set is empty.
    /// </summary>
    public static IPEndPoint NextHop(Dialog dialog) => SipTarget.ResolveHostPort(dialog.NextHopUri, "next hop");

    /// <summary>
    /// Receives for up to <paramref name="timeoutMs"/>, handing requests to <paramref name="onRequest"/>,
    /// until <paramref name="done"/> says so; responses that arrive meanwhile are dropped. True when done.
    /// </summary>
    public bool ReceiveUntil(Func<bool> done, int timeoutMs, Action<SipReply> onRequest)
    {
        long start = Stopwatch.GetTimestamp();
        while (!done())
        {
            int left = timeoutMs - (int)Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (left <= 0)
                return false;
            int n = Socket.Receive(_buffer, left);
            if (n == 0)
                continue;
            SipReply? message = SipReply.TryParse(_buffer.AsSpan(0, n), Stopwatch.GetElapsedTime(start).TotalMilliseconds, Socket.LastSource);
            if (message != null && message.Message.IsRequest)
                onRequest(message);
        }
        return true;
    }

    /// <summary>Answers an incoming request statelessly (Via, From, To with a tag, Call-ID, CSeq copied).</summary>
    public void Respond(SipReply request, int code, string reason) => Respond(request, code, reason, null, null, null);

    /// <summary>
    /// Answers an incoming request statelessly: Via, From, Call-ID, CSeq and Record-Route copied (§8.2.6.2,
    /// §12.1.1), To with <paramref name="toTag"/> (or a new tag) unless it has one, an optional Contact and SDP body.
    /// </summary>
    public void Respond(SipReply request, int code, string reason, string? toTag, string? contact, string? sdp)
    {
        var b = new StringBuilder(512);
        b.Append("SIP/2.0 ").Append(code.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(reason).Append("\r\n");
        SipMessage m = request.Message;
        for (int i = 0; i < m.HeaderCount; i++)
        {
            ref readonly HeaderEntry h = ref m.Header(i);
            if (h.Id is HeaderId.Via or HeaderId.From or HeaderId.CallId or HeaderId.CSeq or HeaderId.RecordRoute)
            {
                b.Append(Encoding.UTF8.GetString(m.Span(h.Line)));
            }
            else if (h.Id == HeaderId.To)
            {
                string to = Encoding.UTF8.GetString(m.Span(h.Value));
                b.Append("To: ").Append(to);
                if (!m.ToTag.IsPresent)
                    b.Append(";tag=").Append(toTag ?? NewTag());
                b.Append("\r\n");
            }
        }
        if (contact != null)
            b.Append("Contact: <").Append(contact).Append(">\r\n");
        b.Append("Server: hypersak\r\n");
        if (sdp != null)
            b.Append("Content-Type: application/sdp\r\n");
        b.Append("Content-Length: ").Append(Encoding.UTF8.GetByteCount(sdp ?? "").ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n").Append(sdp);
        byte[] bytes = Encoding.UTF8.GetBytes(b.ToString());
        if (Options.Verbosity >= 2)
            _out.Write("reply sent:\n" + b + "\n");
        Socket.SendTo(bytes, request.Source ?? Socket.Destination);
    }

    public void Dispose() => Socket.Dispose();
}
