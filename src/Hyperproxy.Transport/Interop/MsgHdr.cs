using System.Runtime.InteropServices;

namespace Hyperproxy.Transport.Interop;

/// <summary>struct msghdr (LP64 Linux: 56 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    public byte* Name;
    public uint NameLength;
    public IoVec* Iov;
    public nuint IovLength;
    public byte* Control;
    public nuint ControlLength;
    public int Flags;
}
