using System.Runtime.InteropServices;

namespace Hyperproxy.Transport.Interop;

/// <summary>struct iovec (LP64 Linux).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    public byte* Base;
    public nuint Length;
}
