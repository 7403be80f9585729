namespace Hyperproxy.Transport;

/// <summary>
/// A start-up or configuration error of the transport, with a message written for the operator
/// ("udp:127.0.0.1:5060: address already in use ..."). Never thrown on the datagram path.
/// </summary>
public sealed class TransportException : Exception
{
    public TransportException(string message)
        : base(message)
    {
    }

    public TransportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
