namespace Hyperproxy.Sak.Bench.Interop;

/// <summary>struct iovec on LP64 Linux.</summary>
internal unsafe struct SakIoVec
{
    public byte* Base;
    public nuint Length;
}
