using System.Text;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport;

/// <summary>
/// One <c>--listen</c> value: <c>udp:127.0.0.1:5060</c>, <c>udp:[::1]:5060</c>,
/// <c>udp:0.0.0.0:5060</c>; plus the optional <c>--advertise</c> host[:port] that goes into Via and
/// Record-Route instead of the bound address.
/// </summary>
public sealed class ListenSpec
{
    private ListenSpec(TransportProtocol transport, NetAddress address, AdvertisedAddress? advertised)
    {
        Transport = transport;
        Address = address;
        Advertised = advertised;
    }

    /// <summary>The transport's name: udp, tcp, tls, ws or wss.</summary>
    public string Protocol => Transport.Name();

    /// <summary>The transport of the socket.</summary>
    public TransportProtocol Transport { get; }

    /// <summary>The numeric address and port to bind.</summary>
    public NetAddress Address { get; }

    /// <summary>What to put in Via / Record-Route, or null to use the bound address.</summary>
    public AdvertisedAddress? Advertised { get; }

    /// <summary>A spec for an address (no advertised override).</summary>
    public static ListenSpec ForAddress(NetAddress address) => ForAddress(TransportProtocol.Udp, address);

    /// <summary>A spec for a transport and address (no advertised override).</summary>
    public static ListenSpec ForAddress(TransportProtocol transport, NetAddress address)
    {
        if (address.IsNone)
            throw new ArgumentException("address has no family", nameof(address));
        return new ListenSpec(transport, address, null);
    }

    /// <summary>Parses a --listen value; throws <see cref="TransportException"/> saying what is wrong.</summary>
    public static ListenSpec Parse(string text)
    {
        if (!TryParse(text, out ListenSpec? spec, out string? error))
            throw new TransportException(error);
        return spec;
    }

    /// <summary>Parses a --listen value; on failure <paramref name="error"/> names the wrong part and why.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ListenSpec? spec,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        spec = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "listen '': empty; expected udp:ADDR:PORT, e.g. udp:127.0.0.1:5060 or udp:[::1]:5060";
            return false;
        }
        string prefix = $"listen '{text}': ";
        int colon = text.IndexOf(':');
        string scheme = colon < 0 ? "" : text.Substring(0, colon);
        if (colon < 0 || !IsTransportName(scheme))
        {
            error = prefix + $"missing transport; write udp:{text}";
            return false;
        }
        if (!TransportProtocols.TryParse(scheme, out TransportProtocol transport))
        {
            error = prefix + $"transport '{scheme}' is not supported (udp, tcp, tls, ws, wss)";
            return false;
        }
        scheme = transport.Name();

        string rest = text.Substring(colon + 1);
        string host;
        string portText;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']');
            if (close < 0)
            {
                error = prefix + "'[' without ']'; write IPv6 as " + scheme + ":[::1]:5060";
                return false;
            }
            host = rest.Substring(0, close + 1);
            string after = rest.Substring(close + 1);
            if (after.Length == 0)
            {
                error = prefix + "missing port after the address; write " + scheme + ":" + host + ":5060";
                return false;
            }
            if (after[0] != ':')
            {
                error = prefix + $"unexpected '{after}' after '{host}'; expected :PORT";
                return false;
            }
            portText = after.Substring(1);
        }
        else
        {
            int last = rest.LastIndexOf(':');
            if (last < 0)
            {
                error = prefix + "missing port; write " + scheme + ":" + rest + ":5060";
                return false;
            }
            host = rest.Substring(0, last);
            portText = rest.Substring(last + 1);
            if (host.Contains(':'))
            {
                error = prefix + $"an IPv6 address must be in brackets: {scheme}:[{host}]:{portText}";
                return false;
            }
        }

        if (host.Length == 0 || host == "[]")
        {
            error = prefix + "missing address; use 0.0.0.0 or [::] for all interfaces";
            return false;
        }
        if (!TryParsePort(portText, out int port, out string? portError))
        {
            error = prefix + portError;
            return false;
        }
        if (!NetAddress.TryParse(Encoding.UTF8.GetBytes(host), port, out NetAddress address))
        {
            error = host.StartsWith('[')
                ? prefix + $"'{host}' is not a numeric IPv6 address"
                : prefix + $"'{host}' is not a numeric IPv4 address (IPv6 goes in brackets; "
                    + "host names are not allowed here, use --advertise for a name)";
            return false;
        }
        spec = new ListenSpec(transport, address, null);
        return true;
    }

    /// <summary>This spec with an advertised address parsed from an --advertise value.</summary>
    public ListenSpec WithAdvertise(string advertise) =>
        new(Transport, Address, AdvertisedAddress.Parse(advertise, Address.Port));

    /// <summary>This spec with an advertised address.</summary>
    public ListenSpec WithAdvertise(AdvertisedAddress advertised) => new(Transport, Address, advertised);

    /// <summary>The canonical form: "udp:127.0.0.1:5060", "tcp:[::1]:5060".</summary>
    public override string ToString() => Protocol + ":" + Address.ToString();

    internal static bool TryParsePort(string text, out int port, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        port = 0;
        error = null;
        if (text.Length == 0)
        {
            error = "missing port after ':'";
            return false;
        }
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] < '0' || text[i] > '9')
            {
                error = $"port '{text}' is not a number";
                return false;
            }
        }
        if (text.Length > 5 || !int.TryParse(text, out port) || port > 65535)
        {
            error = $"port {text} is out of range (0-65535)";
            return false;
        }
        return true;
    }

    private static bool IsTransportName(string s) =>
        s.Equals("udp", StringComparison.OrdinalIgnoreCase) || s.Equals("tcp", StringComparison.OrdinalIgnoreCase)
        || s.Equals("tls", StringComparison.OrdinalIgnoreCase) || s.Equals("sctp", StringComparison.OrdinalIgnoreCase)
        || s.Equals("ws", StringComparison.OrdinalIgnoreCase) || s.Equals("wss", StringComparison.OrdinalIgnoreCase);
}
