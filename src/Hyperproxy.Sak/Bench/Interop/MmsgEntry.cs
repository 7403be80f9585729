using System.Runtime.InteropServices;

namespace Hyperproxy.Sak.Bench.Interop;

/// <summary>struct mmsghdr on LP64 Linux (64 bytes): msghdr fields at their C offsets, then msg_len.</summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal unsafe struct MmsgEntry
{
    [FieldOffset(0)] public void* Name;
    [FieldOffset(8)] public uint NameLength;
    [FieldOffset(16)] public SakIoVec* Iov;
    [FieldOffset(24)] public nuint IovLength;
    [FieldOffset(32)] public void* Control;
    [FieldOffset(40)] public nuint ControlLength;
    [FieldOffset(48)] public int Flags;
    [FieldOffset(56)] public uint Length;
}
