using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hyperproxy.Sip;

namespace Hyperproxy.Transport;

/// <summary>
/// A worker's batch of datagrams: one pinned buffer cut into <see cref="Capacity"/> fixed slots of
/// <see cref="SlotSize"/> bytes, plus per slot its length, peer and socket index. Used both ways:
/// a receive fills slots 0..Count-1; a handler appends outgoing datagrams to another batch.
/// Owned by one thread; nothing here allocates after construction.
/// </summary>
public sealed unsafe class DatagramBatch
{
    /// <summary>Default number of datagrams per batch (--batch).</summary>
    public const int DefaultCapacity = 64;

    /// <summary>
    /// Default slot size. SIP over UDP stays far below this (RFC 3261 section 18.1.1 moves anything
    /// near the MTU to TCP); larger datagrams are dropped and counted as truncated.
    /// </summary>
    public const int DefaultSlotSize = 16 * 1024;

    /// <summary>Largest UDP payload over IPv4 (65535 - 20 - 8).</summary>
    public const int MaxUdpPayload = 65507;

    private readonly byte[] _buffer;
    private readonly byte* _base;
    private readonly DatagramInfo[] _info;
    private int _count;

    public DatagramBatch(int capacity = DefaultCapacity, int slotSize = DefaultSlotSize)
    {
        if (capacity < 1 || capacity > 1024)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "batch capacity is 1-1024");
        if (slotSize < 512 || slotSize > 65536)
            throw new ArgumentOutOfRangeException(nameof(slotSize), slotSize, "slot size is 512-65536 bytes");
        Capacity = capacity;
        SlotSize = slotSize;
        _buffer = GC.AllocateArray<byte>(capacity * slotSize, pinned: true);
        _base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffer));
        _info = new DatagramInfo[capacity];
    }

    public int Capacity { get; }

    public int SlotSize { get; }

    /// <summary>Datagrams in the batch (slots 0..Count-1).</summary>
    public int Count => _count;

    public bool IsFull => _count == Capacity;

    /// <summary>Datagrams the last receive dropped because they did not fit a slot.</summary>
    public int Truncated { get; internal set; }

    /// <summary>Receive errors (other than "nothing now") during the last receive.</summary>
    public int ReceiveErrors { get; internal set; }

    /// <summary>
    /// What the last receive left behind in the kernel: the bytes still queued on the socket that is fullest relative to its
    /// receive buffer (SO_MEMINFO's receive-queue memory, skb overhead included), read only when a socket filled the batch;
    /// 0 when every socket read was drained or the I/O cannot tell. With <see cref="QueueLimitBytes"/>, the worker's
    /// measure of how far behind it is (tm's admission control).
    /// </summary>
    public long QueuedBytes { get; internal set; }

    /// <summary>That socket's receive buffer (SO_RCVBUF as the kernel applies it); 0 when unknown.</summary>
    public long QueueLimitBytes { get; internal set; }

    /// <summary>
    /// Set by the batch's handler, applied by the I/O before its next receive: drop datagrams starting with
    /// <c>"INVITE "</c> in the kernel, each with probability <c>InviteShedThreshold / 2^32</c> (0: none;
    /// <see cref="InviteShedFilter"/>). Not reset by <see cref="Clear"/>: it stays until the handler changes it. An I/O
    /// that cannot filter ignores it and says so with <see cref="InviteShedUnsupported"/>.
    /// </summary>
    public uint InviteShedThreshold { get; set; }

    /// <summary>Set by the I/O when it cannot shed in the kernel (no socket filters, or the kernel refused one): the
    /// handler stops asking.</summary>
    public bool InviteShedUnsupported { get; set; }

    /// <summary>Datagrams the kernel dropped for the batch's sockets since they were opened (SO_MEMINFO: a full receive
    /// buffer, and the INVITEs <see cref="InviteShedThreshold"/> shed), read by the I/O while shedding and when it
    /// changes; not reset by <see cref="Clear"/>.</summary>
    public long KernelDrops { get; internal set; }

    /// <summary>Sets <see cref="QueuedBytes"/> and <see cref="QueueLimitBytes"/> (an I/O that can tell, or a test).</summary>
    public void SetBacklog(long queuedBytes, long limitBytes)
    {
        QueuedBytes = queuedBytes;
        QueueLimitBytes = limitBytes;
    }

    /// <summary>The payload of datagram <paramref name="index"/>.</summary>
    public Span<byte> Payload(int index)
    {
        CheckIndex(index);
        return new Span<byte>(_base + (nint)index * SlotSize, _info[index].Length);
    }

    /// <summary>
    /// The pinned array behind every slot, for parsers that index a message by array and offset
    /// (<see cref="PayloadOffset"/>); it never moves and lives as long as the batch.
    /// </summary>
    public byte[] Buffer => _buffer;

    /// <summary>Where datagram <paramref name="index"/> starts in <see cref="Buffer"/>.</summary>
    public int PayloadOffset(int index)
    {
        CheckIndex(index);
        return index * SlotSize;
    }

    /// <summary>Length, peer and socket of datagram <paramref name="index"/>.</summary>
    public ref readonly DatagramInfo Info(int index)
    {
        CheckIndex(index);
        return ref _info[index];
    }

    /// <summary>The peer of datagram <paramref name="index"/>.</summary>
    public ref readonly NetAddress Peer(int index) => ref Info(index).Peer;

    /// <summary>The socket index of datagram <paramref name="index"/>.</summary>
    public int SocketIndex(int index) => Info(index).SocketIndex;

    /// <summary>Empties the batch (the bytes stay; nothing is cleared).</summary>
    public void Clear()
    {
        _count = 0;
        Truncated = 0;
        ReceiveErrors = 0;
        QueuedBytes = 0;
        QueueLimitBytes = 0;
    }

    /// <summary>
    /// The next free slot (all <see cref="SlotSize"/> bytes) to write a datagram into, then
    /// <see cref="Commit"/>; false when the batch is full.
    /// </summary>
    public bool TryGetFreeSlot(out Span<byte> slot)
    {
        if (_count == Capacity)
        {
            slot = default;
            return false;
        }
        slot = new Span<byte>(_base + (nint)_count * SlotSize, SlotSize);
        return true;
    }

    /// <summary>Drops the datagram committed last (a reply the handler parked instead of sending).</summary>
    public void RemoveLast()
    {
        if (_count > 0)
            _count--;
    }

    /// <summary>
    /// Drops every datagram from position <paramref name="count"/> on: what a handler wrote for one
    /// datagram before it failed is rolled back, and the datagrams before it stay.
    /// </summary>
    public void TruncateTo(int count)
    {
        if ((uint)count < (uint)_count)
            _count = count;
    }

    /// <summary>The stream connection of message <paramref name="index"/> (0 for a datagram).</summary>
    public long ConnectionId(int index) => Info(index).ConnectionId;

    /// <summary>Adds the datagram written into the slot from <see cref="TryGetFreeSlot"/>.</summary>
    public void Commit(int length, in NetAddress peer, int socketIndex) => Commit(length, peer, socketIndex, 0);

    /// <summary>Adds the message written into the slot from <see cref="TryGetFreeSlot"/>, for a stream connection (0: none named).</summary>
    public void Commit(int length, in NetAddress peer, int socketIndex, long connectionId)
    {
        if (_count == Capacity)
            ThrowFull();
        if ((uint)length > (uint)SlotSize)
            ThrowLength(length);
        ref DatagramInfo info = ref _info[_count++];
        info.Length = length;
        info.Peer = peer;
        info.SocketIndex = socketIndex;
        info.ConnectionId = connectionId;
    }

    /// <summary>Copies a datagram in; false when the batch is full or the payload exceeds a slot.</summary>
    public bool TryAdd(ReadOnlySpan<byte> payload, in NetAddress peer, int socketIndex) => TryAdd(payload, peer, socketIndex, 0);

    /// <summary>Copies a message in for a stream connection (0: none named); false when the batch is full or the payload exceeds a slot.</summary>
    public bool TryAdd(ReadOnlySpan<byte> payload, in NetAddress peer, int socketIndex, long connectionId)
    {
        if (_count == Capacity || payload.Length > SlotSize)
            return false;
        payload.CopyTo(new Span<byte>(_base + (nint)_count * SlotSize, SlotSize));
        Commit(payload.Length, peer, socketIndex, connectionId);
        return true;
    }

    internal byte* SlotPointer(int slot) => _base + (nint)slot * SlotSize;

    /// <summary>Sets slot <paramref name="slot"/> as the next datagram after a receive (no checks).</summary>
    internal void SetReceived(int slot, int length, in NetAddress peer, int socketIndex)
    {
        ref DatagramInfo info = ref _info[slot];
        info.Length = length;
        info.Peer = peer;
        info.SocketIndex = socketIndex;
        info.ConnectionId = 0;
        _count = slot + 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)_count)
            ThrowIndex(index);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowIndex(int index) =>
        throw new ArgumentOutOfRangeException(nameof(index), index, $"batch holds {_count} datagrams");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowFull() => throw new InvalidOperationException("batch is full");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowLength(int length) =>
        throw new ArgumentOutOfRangeException(nameof(length), length, $"slot size is {SlotSize}");
}
