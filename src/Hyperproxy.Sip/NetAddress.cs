using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hyperproxy.Sip;

/// <summary>
/// An IPv4 or IPv6 address with a port (and an IPv6 scope id): blittable, 32 bytes, no references,
/// so it can live in per-slot arrays and be copied without allocating. IPv4 addresses keep their four
/// bytes in the first four address bytes (never v4-mapped); the rest are zero.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly partial struct NetAddress : IEquatable<NetAddress>
{
    /// <summary>Size of a Linux sockaddr_in.</summary>
    public const int SockaddrIn4Size = 16;

    /// <summary>Size of a Linux sockaddr_in6.</summary>
    public const int SockaddrIn6Size = 28;

    // Kernel address family numbers (Linux values; other systems go through SocketAddress).
    private const ushort AfInet = 2;
    private const ushort AfInet6 = 10;

    // The 16 address bytes in network order, as two 8-byte words in memory order.
    private readonly ulong _address0;
    private readonly ulong _address1;
    private readonly uint _scopeId;
    private readonly ushort _port;
    private readonly NetAddressFamily _family;

    private NetAddress(NetAddressFamily family, ulong address0, ulong address1, ushort port, uint scopeId)
    {
        _family = family;
        _address0 = address0;
        _address1 = address1;
        _port = port;
        _scopeId = scopeId;
    }

    public NetAddressFamily Family => _family;

    public int Port => _port;

    /// <summary>The IPv6 zone (interface index) of a link-local address; 0 otherwise.</summary>
    public uint ScopeId => _scopeId;

    public bool IsIPv4 => _family == NetAddressFamily.IPv4;

    public bool IsIPv6 => _family == NetAddressFamily.IPv6;

    /// <summary>True for the default value (no family).</summary>
    public bool IsNone => _family == NetAddressFamily.None;

    /// <summary>True for 0.0.0.0 and ::.</summary>
    public bool IsAny => _family != NetAddressFamily.None && _address0 == 0 && _address1 == 0;

    /// <summary>
    /// True for addresses a unicast hop must never be sent to: unspecified (0.0.0.0, ::),
    /// IPv4 limited broadcast and multicast (224.0.0.0/4), IPv6 multicast (ff00::/8).
    /// A Via or Request-URI naming one (RFC 4475 bcast) is refused, not relayed.
    /// </summary>
    public bool IsNotUnicast => _family switch
    {
        NetAddressFamily.IPv4 => (uint)_address0 is 0 or 0xFFFFFFFF || ((byte)_address0 & 0xF0) == 0xE0,
        NetAddressFamily.IPv6 => (_address0 == 0 && _address1 == 0) || (byte)_address0 == 0xFF,
        _ => true,
    };

    /// <summary>Number of address bytes: 4, 16, or 0 for <see cref="NetAddressFamily.None"/>.</summary>
    public int AddressLength => _family switch
    {
        NetAddressFamily.IPv4 => 4,
        NetAddressFamily.IPv6 => 16,
        _ => 0,
    };

    /// <summary>An IPv4 address from its four bytes in network order.</summary>
    public static NetAddress FromIPv4(ReadOnlySpan<byte> address, int port)
    {
        if (address.Length != 4)
            ThrowArgument(nameof(address), "an IPv4 address has 4 bytes");
        CheckPort(port);
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        address.CopyTo(bytes);
        ulong word = MemoryMarshal.Read<ulong>(bytes);
        return new NetAddress(NetAddressFamily.IPv4, word, 0, (ushort)port, 0);
    }

    /// <summary>An IPv4 address from its four octets: <c>FromIPv4(127, 0, 0, 1, 5060)</c>.</summary>
    public static NetAddress FromIPv4(byte a, byte b, byte c, byte d, int port)
    {
        ReadOnlySpan<byte> bytes = [a, b, c, d];
        return FromIPv4(bytes, port);
    }

    /// <summary>An IPv6 address from its sixteen bytes in network order.</summary>
    public static NetAddress FromIPv6(ReadOnlySpan<byte> address, int port, uint scopeId = 0)
    {
        if (address.Length != 16)
            ThrowArgument(nameof(address), "an IPv6 address has 16 bytes");
        CheckPort(port);
        ulong w0 = MemoryMarshal.Read<ulong>(address);
        ulong w1 = MemoryMarshal.Read<ulong>(address.Slice(8));
        return new NetAddress(NetAddressFamily.IPv6, w0, w1, (ushort)port, scopeId);
    }

    /// <summary>The IPv4 loopback 127.0.0.1.</summary>
    public static NetAddress IPv4Loopback(int port) => FromIPv4(127, 0, 0, 1, port);

    /// <summary>The IPv6 loopback ::1.</summary>
    public static NetAddress IPv6Loopback(int port)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        bytes[15] = 1;
        return FromIPv6(bytes, port);
    }

    /// <summary>The same address with another port.</summary>
    public NetAddress WithPort(int port)
    {
        CheckPort(port);
        return new NetAddress(_family, _address0, _address1, (ushort)port, _scopeId);
    }

    /// <summary>Copies the 4 or 16 address bytes (network order) into <paramref name="destination"/>.</summary>
    public int CopyAddressBytes(Span<byte> destination)
    {
        int length = AddressLength;
        ReadOnlySpan<byte> all = MemoryMarshal.AsBytes(
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef(in _address0), 2));
        all.Slice(0, length).CopyTo(destination);
        return length;
    }

    /// <summary>Address byte <paramref name="index"/> (0..15) in network order.</summary>
    internal byte AddressByte(int index)
    {
        ReadOnlySpan<byte> all = MemoryMarshal.AsBytes(
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef(in _address0), 2));
        return all[index];
    }

    /// <summary>
    /// Writes the address as a Linux sockaddr_in / sockaddr_in6; returns false when the family is
    /// None or the destination is too small.
    /// </summary>
    public bool TryWriteSockaddr(Span<byte> destination, out int written)
    {
        written = 0;
        if (_family == NetAddressFamily.IPv4)
        {
            if (destination.Length < SockaddrIn4Size)
                return false;
            Span<byte> sa = destination.Slice(0, SockaddrIn4Size);
            sa.Clear();
            MemoryMarshal.Write(sa, AfInet);
            BinaryPrimitives.WriteUInt16BigEndian(sa.Slice(2), _port);
            CopyAddressBytes(sa.Slice(4));
            written = SockaddrIn4Size;
            return true;
        }
        if (_family == NetAddressFamily.IPv6)
        {
            if (destination.Length < SockaddrIn6Size)
                return false;
            Span<byte> sa = destination.Slice(0, SockaddrIn6Size);
            sa.Clear();
            MemoryMarshal.Write(sa, AfInet6);
            BinaryPrimitives.WriteUInt16BigEndian(sa.Slice(2), _port);
            CopyAddressBytes(sa.Slice(8));
            MemoryMarshal.Write(sa.Slice(24), _scopeId);
            written = SockaddrIn6Size;
            return true;
        }
        return false;
    }

    /// <summary>Reads a Linux sockaddr_in / sockaddr_in6 as the kernel filled it.</summary>
    public static bool TryReadSockaddr(ReadOnlySpan<byte> source, out NetAddress address)
    {
        address = default;
        if (source.Length < 2)
            return false;
        ushort family = MemoryMarshal.Read<ushort>(source);
        if (family == AfInet && source.Length >= SockaddrIn4Size)
        {
            ushort port = BinaryPrimitives.ReadUInt16BigEndian(source.Slice(2));
            address = FromIPv4(source.Slice(4, 4), port);
            return true;
        }
        if (family == AfInet6 && source.Length >= SockaddrIn6Size)
        {
            ushort port = BinaryPrimitives.ReadUInt16BigEndian(source.Slice(2));
            uint scope = MemoryMarshal.Read<uint>(source.Slice(24));
            address = FromIPv6(source.Slice(8, 16), port, scope);
            return true;
        }
        return false;
    }

    /// <summary>
    /// Reads a .NET <see cref="SocketAddress"/> (the allocation-free ReceiveFrom overload's output).
    /// Port and address sit at the same offsets on every platform; the family comes from the object.
    /// </summary>
    public static bool TryReadSocketAddress(SocketAddress socketAddress, out NetAddress address)
    {
        address = default;
        ReadOnlySpan<byte> bytes = socketAddress.Buffer.Span.Slice(0, socketAddress.Size);
        if (socketAddress.Family == AddressFamily.InterNetwork && bytes.Length >= SockaddrIn4Size)
        {
            address = FromIPv4(bytes.Slice(4, 4), BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(2)));
            return true;
        }
        if (socketAddress.Family == AddressFamily.InterNetworkV6 && bytes.Length >= SockaddrIn6Size)
        {
            address = FromIPv6(bytes.Slice(8, 16), BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(2)),
                MemoryMarshal.Read<uint>(bytes.Slice(24)));
            return true;
        }
        return false;
    }

    /// <summary>
    /// Writes port, address (and scope) into a <see cref="SocketAddress"/> created for this family;
    /// returns false when the families differ.
    /// </summary>
    public bool TryWriteSocketAddress(SocketAddress socketAddress)
    {
        Span<byte> bytes = socketAddress.Buffer.Span;
        if (_family == NetAddressFamily.IPv4 && socketAddress.Family == AddressFamily.InterNetwork)
        {
            socketAddress.Size = SockaddrIn4Size;
            BinaryPrimitives.WriteUInt16BigEndian(bytes.Slice(2), _port);
            CopyAddressBytes(bytes.Slice(4));
            return true;
        }
        if (_family == NetAddressFamily.IPv6 && socketAddress.Family == AddressFamily.InterNetworkV6)
        {
            socketAddress.Size = SockaddrIn6Size;
            BinaryPrimitives.WriteUInt16BigEndian(bytes.Slice(2), _port);
            MemoryMarshal.Write(bytes.Slice(4), 0u);
            CopyAddressBytes(bytes.Slice(8));
            MemoryMarshal.Write(bytes.Slice(24), _scopeId);
            return true;
        }
        return false;
    }

    /// <summary>From an <see cref="IPEndPoint"/> (cold path). IPv4-mapped IPv6 stays IPv6.</summary>
    public static NetAddress FromIPEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        Span<byte> bytes = stackalloc byte[16];
        if (!endPoint.Address.TryWriteBytes(bytes, out int length))
            ThrowArgument(nameof(endPoint), "address does not fit in 16 bytes");
        return length == 4
            ? FromIPv4(bytes.Slice(0, 4), endPoint.Port)
            : FromIPv6(bytes.Slice(0, 16), endPoint.Port, (uint)endPoint.Address.ScopeId);
    }

    /// <summary>To an <see cref="IPEndPoint"/> (cold path: allocates).</summary>
    public IPEndPoint ToIPEndPoint()
    {
        Span<byte> bytes = stackalloc byte[16];
        int length = CopyAddressBytes(bytes);
        if (length == 0)
            throw new InvalidOperationException("NetAddress has no address family.");
        IPAddress ip = length == 4 ? new IPAddress(bytes.Slice(0, 4)) : new IPAddress(bytes, _scopeId);
        return new IPEndPoint(ip, _port);
    }

    public bool Equals(NetAddress other) =>
        _address0 == other._address0 && _address1 == other._address1 && _port == other._port
        && _family == other._family && _scopeId == other._scopeId;

    /// <summary>Same family, address and scope, whatever the ports.</summary>
    public bool HostEquals(in NetAddress other) =>
        _address0 == other._address0 && _address1 == other._address1
        && _family == other._family && _scopeId == other._scopeId;

    public override bool Equals(object? obj) => obj is NetAddress other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_address0, _address1, _port, _family, _scopeId);

    public static bool operator ==(NetAddress left, NetAddress right) => left.Equals(right);

    public static bool operator !=(NetAddress left, NetAddress right) => !left.Equals(right);

    private static void CheckPort(int port)
    {
        if ((uint)port > ushort.MaxValue)
            ThrowArgument(nameof(port), "a port is 0-65535");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowArgument(string name, string message) => throw new ArgumentException(message, name);
}
