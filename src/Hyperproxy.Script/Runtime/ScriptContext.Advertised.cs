namespace Hyperproxy.Script.Runtime;

public sealed partial class ScriptContext
{
    private readonly byte[] _advertisedAddress = new byte[256];
    private int _advertisedAddressLength;

    /// <summary>set_advertised_address(): the host our Via uses for this message (empty: the socket's).</summary>
    public ReadOnlySpan<byte> AdvertisedAddress => new(_advertisedAddress, 0, _advertisedAddressLength);

    /// <summary>set_advertised_port(): the port our Via uses for this message (0: the socket's).</summary>
    public int AdvertisedPort { get; private set; }

    public bool SetAdvertisedAddress(ReadOnlySpan<byte> host)
    {
        if (host.IsEmpty || !host.TryCopyTo(_advertisedAddress))
        {
            return false;
        }

        _advertisedAddressLength = host.Length;
        return true;
    }

    public bool SetAdvertisedPort(int port)
    {
        AdvertisedPort = port;
        return true;
    }

    private void ResetAdvertised()
    {
        _advertisedAddressLength = 0;
        AdvertisedPort = 0;
    }
}
