using Hyperproxy.Sip;

namespace Hyperproxy.Transport.Streams;

/// <summary>Turns a connected stream into a TLS stream (server side for accepted connections, client side for ours).</summary>
public interface ITlsProvider
{
    /// <summary>The server handshake for a connection accepted on <paramref name="local"/>; throws when it fails.</summary>
    Task<Stream> AuthenticateAsServerAsync(Stream inner, NetAddress local, CancellationToken cancel);

    /// <summary>The client handshake towards <paramref name="destination"/>; throws when it fails.</summary>
    Task<Stream> AuthenticateAsClientAsync(Stream inner, NetAddress destination, CancellationToken cancel);
}
