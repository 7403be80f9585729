using System.Runtime.InteropServices;
using Hyperproxy.Sip;
using Hyperproxy.Transport.Interop;

namespace Hyperproxy.Transport.Tests;

/// <summary>
/// The interop structs (the one copy in the tree, used by the workers and by hypersak) against the Linux
/// x86-64 ABI (LP64): the kernel reads and writes these bytes, so a wrong size or offset corrupts memory.
/// </summary>
public sealed unsafe class InteropLayoutTests
{
    [Fact]
    public void IoVecIsAPointerAndASizeIn16Bytes()
    {
        Assert.Equal(16, sizeof(IoVec));
        Assert.Equal(0, Offset<IoVec>(nameof(IoVec.Base)));
        Assert.Equal(8, Offset<IoVec>(nameof(IoVec.Length)));
    }

    [Fact]
    public void MsgHdrHasTheFieldsOfStructMsghdrAtTheirCOffsetsIn56Bytes()
    {
        Assert.Equal(56, sizeof(MsgHdr));
        Assert.Equal(0, Offset<MsgHdr>(nameof(MsgHdr.Name)));
        Assert.Equal(8, Offset<MsgHdr>(nameof(MsgHdr.NameLength)));
        Assert.Equal(16, Offset<MsgHdr>(nameof(MsgHdr.Iov)));
        Assert.Equal(24, Offset<MsgHdr>(nameof(MsgHdr.IovLength)));
        Assert.Equal(32, Offset<MsgHdr>(nameof(MsgHdr.Control)));
        Assert.Equal(40, Offset<MsgHdr>(nameof(MsgHdr.ControlLength)));
        Assert.Equal(48, Offset<MsgHdr>(nameof(MsgHdr.Flags)));
    }

    [Fact]
    public void MMsgHdrIsAMsghdrThenTheByteCountIn64Bytes()
    {
        Assert.Equal(64, sizeof(MMsgHdr));
        Assert.Equal(0, Offset<MMsgHdr>(nameof(MMsgHdr.Header)));
        Assert.Equal(56, Offset<MMsgHdr>(nameof(MMsgHdr.Length)));
    }

    [Fact]
    public void PollFdIsAnIntAndTwoShortsIn8Bytes()
    {
        Assert.Equal(8, sizeof(PollFd));
        Assert.Equal(0, Offset<PollFd>(nameof(PollFd.Fd)));
        Assert.Equal(4, Offset<PollFd>(nameof(PollFd.Events)));
        Assert.Equal(6, Offset<PollFd>(nameof(PollFd.Revents)));
    }

    [Fact]
    public void SockaddrSizesAreThoseOfLinuxAndTheNameSlotHoldsTheLargest()
    {
        Assert.Equal(16, NetAddress.SockaddrIn4Size);
        Assert.Equal(28, NetAddress.SockaddrIn6Size);
        Assert.True(MmsgBatchIo.NameSize >= NetAddress.SockaddrIn6Size);
        Assert.Equal(0, MmsgBatchIo.NameSize % 8); // slots stay 8-byte aligned
        Assert.Equal(128, Libc.CpuSetBytes);        // cpu_set_t: 1024 bits
    }

    [Fact]
    public void ErrnoNumbersAreLinuxs()
    {
        Assert.Equal(4, Errno.EINTR);
        Assert.Equal(11, Errno.EAGAIN);
        Assert.Equal(22, Errno.EINVAL);
        Assert.Equal(90, Errno.EMSGSIZE);
        Assert.Equal(111, Errno.ECONNREFUSED);
        Assert.Equal(0x40, Libc.MsgDontWait);
        Assert.Equal(0x20, Libc.MsgTrunc);
    }

    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);
}
