using System.Runtime.InteropServices;

namespace Hyperproxy.Transport.Interop;

/// <summary>struct mmsghdr (LP64 Linux: 64 bytes): a msghdr plus the byte count the kernel moved.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MMsgHdr
{
    public MsgHdr Header;
    public uint Length;
}
