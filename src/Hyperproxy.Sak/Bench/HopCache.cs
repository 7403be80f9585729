using System.Net;
using Hyperproxy.Sak.Ua;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Sak.Bench;

/// <summary>
/// The addresses of the hop URIs in-dialog requests go to (the first route of a 2xx's route set,
/// or its Contact), remembered by the URI's bytes: a bench run meets the same few URIs in every
/// call, so after the first call a lookup is a byte compare and allocates nothing. A new URI is
/// parsed and resolved once (cold). Owned by one worker thread.
/// </summary>
public sealed class HopCache
{
    public const int Capacity = 8;

    private readonly byte[][] _uris = new byte[Capacity][];
    private readonly NetAddress[] _addresses = new NetAddress[Capacity];
    private int _count;
    private int _nextVictim;

    /// <summary>The address of <paramref name="uri"/> (sip:host[:port], maddr honoured); false when it does not parse or resolve.</summary>
    public bool TryGet(ReadOnlySpan<byte> uri, out NetAddress address)
    {
        for (int i = 0; i < _count; i++)
        {
            if (uri.SequenceEqual(_uris[i]))
            {
                address = _addresses[i];
                return true;
            }
        }
        return TryAdd(uri, out address);
    }

    private bool TryAdd(ReadOnlySpan<byte> uri, out NetAddress address)
    {
        address = default;
        if (!TryResolve(uri, out IPEndPoint? endPoint))
            return false;
        address = NetAddress.FromIPEndPoint(endPoint);
        int slot = _count < Capacity ? _count++ : _nextVictim++ % Capacity;
        _uris[slot] = uri.ToArray();
        _addresses[slot] = address;
        return true;
    }

    /// <summary>A SIP URI's host (or maddr) and port (5060 when absent) as an address.</summary>
    public static bool TryResolve(ReadOnlySpan<byte> uri, out IPEndPoint endPoint)
    {
        endPoint = null!;
        if (!SipUri.TryParse(uri, out SipUri parsed) || !parsed.Host.IsPresent)
            return false;
        TextRange host = parsed.Maddr.IsPresent ? parsed.Maddr : parsed.Host;
        string name = System.Text.Encoding.ASCII.GetString(uri.Slice(host.Start, host.Length));
        try
        {
            endPoint = new IPEndPoint(SipTarget.ResolveHost(name), parsed.PortNumber == 0 ? 5060 : parsed.PortNumber);
            return true;
        }
        catch (SakException)
        {
            return false;
        }
    }
}
