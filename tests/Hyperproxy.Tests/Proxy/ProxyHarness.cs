using System.Net;
using System.Text;
using Hyperproxy.Proxy;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Proxy;

/// <summary>
/// Runs the stateless pipeline of one worker over datagrams given as text, without sockets: the
/// proxy is 127.0.0.1:5060 (socket 0) and [::1]:5060 (socket 1). Names resolve through a table.
/// </summary>
internal sealed class ProxyHarness : IDisposable
{
    public static readonly NetAddress Us4 = NetAddress.IPv4Loopback(5060);
    public static readonly NetAddress Us6 = NetAddress.IPv6Loopback(5060);
    public static readonly NetAddress Uac = NetAddress.FromIPv4(127, 0, 0, 9, 40000);

    private readonly ProxyCounters[] _counters = new ProxyCounters[1];
    private readonly byte[] _input = GC.AllocateArray<byte>(65536, pinned: true);

    public ProxyHarness(Dictionary<string, IPAddress[]>? names = null, IReadOnlyList<string>? aliases = null,
        Hyperproxy.Script.Runtime.CompiledScript? script = null, bool ipv4Only = false)
    {
        Identity = ipv4Only ? new ProxyIdentity([Us4], [null], aliases) : new ProxyIdentity([Us4, Us6], [null, null], aliases);
        Resolver = new NextHopResolver(name => names is not null && names.TryGetValue(name, out IPAddress[]? a)
            ? a : throw new System.Net.Sockets.SocketException(11001));
        Proxy = script is null ? new StatelessProxy(Identity, Resolver, _counters, 0) : new StatelessProxy(Identity, Resolver, _counters, 0, script);
        Outgoing = new DatagramBatch(16, 16384);
    }

    public ProxyIdentity Identity { get; }

    public NextHopResolver Resolver { get; }

    public StatelessProxy Proxy { get; }

    public DatagramBatch Outgoing { get; }

    public ref ProxyCounters Counters => ref _counters[0];

    /// <summary>Feeds one datagram (LF line ends become CRLF) and returns what the proxy sent.</summary>
    public Sent[] Send(string message, NetAddress? from = null, int socket = 0) =>
        SendBytes(Encoding.UTF8.GetBytes(message.ReplaceLineEndings("\r\n")), from, socket);

    public Sent[] SendBytes(byte[] datagram, NetAddress? from = null, int socket = 0)
    {
        Outgoing.Clear();
        datagram.CopyTo(_input, 0);
        Proxy.Process(_input, 0, datagram.Length, from ?? Uac, socket, Outgoing);
        var sent = new Sent[Outgoing.Count];
        for (int i = 0; i < sent.Length; i++)
        {
            sent[i] = new Sent(Encoding.UTF8.GetString(Outgoing.Payload(i)), Outgoing.Peer(i), Outgoing.SocketIndex(i)) { Raw = Outgoing.Payload(i).ToArray() };
        }

        return sent;
    }

    /// <summary>Feeds the datagram in <see cref="Outgoing"/> slot 0 back in (zero-allocation loops).</summary>
    public void ProcessRaw(byte[] datagram, int length, in NetAddress from)
    {
        Outgoing.Clear();
        Proxy.Process(datagram, 0, length, from, 0, Outgoing);
    }

    public void Dispose() => Resolver.Dispose();

    internal sealed record Sent(string Text, NetAddress Destination, int Socket)
    {
        /// <summary>The datagram's bytes (binary answers such as STUN).</summary>
        public byte[] Raw { get; init; } = [];

        public SipMessage Parse()
        {
            var m = new SipMessage();
            byte[] bytes = Encoding.UTF8.GetBytes(Text);
            Assert.Equal(SipError.None, m.Parse(bytes, 0, bytes.Length));
            return m;
        }

        public string StartLine => Text[..Text.IndexOf("\r\n", StringComparison.Ordinal)];

        /// <summary>Values of every header line with this name (case-insensitive), in order.</summary>
        public List<string> Headers(string name)
        {
            var list = new List<string>();
            foreach (string line in Text.Split("\r\n"))
            {
                if (line.Length == 0)
                {
                    break;
                }

                int colon = line.IndexOf(':');
                if (colon > 0 && line[..colon].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    list.Add(line[(colon + 1)..].Trim());
                }
            }

            return list;
        }
    }
}
