using System.Runtime.InteropServices;
using Hyperproxy.Transport.Interop;

namespace Hyperproxy.Transport;

/// <summary>
/// An overloaded worker's cheapest refusal: a classic BPF socket filter (SO_ATTACH_FILTER, no privilege needed) that
/// makes the kernel drop datagrams starting with <c>"INVITE "</c> at random, each with probability
/// <c>threshold / 2^32</c>, before they are queued on the worker's socket. Everything else — replies, ACK, BYE, CANCEL,
/// other methods, keep-alives shorter than an INVITE line — passes untouched. The program, for a UDP socket (its
/// offsets count from the UDP header, as the kernel runs socket filters there):
/// <code>
///   ld  len             ; datagram too short for "INVITE sip:x"?  pass
///   ldh [8]  = "IN"     ; else pass
///   ld  [10] = "VITE"   ; else pass
///   ldb [14] = ' '      ; else pass
///   ld  rand            ; the kernel's per-packet random number
///   jge threshold → pass, else drop
/// </code>
/// A new filter replaces the previous one atomically; detaching returns the socket to no filter at all.
/// </summary>
public static unsafe class InviteShedFilter
{
    private const ushort LdLen = 0x80;     // BPF_LD | BPF_W | BPF_LEN
    private const ushort LdhAbs = 0x28;    // BPF_LD | BPF_H | BPF_ABS
    private const ushort LdAbs = 0x20;     // BPF_LD | BPF_W | BPF_ABS
    private const ushort LdbAbs = 0x30;    // BPF_LD | BPF_B | BPF_ABS
    private const ushort JeqK = 0x15;      // BPF_JMP | BPF_JEQ | BPF_K
    private const ushort JgeK = 0x35;      // BPF_JMP | BPF_JGE | BPF_K
    private const ushort RetK = 0x06;      // BPF_RET | BPF_K
    private const uint AdRandom = 0xFFFFF000 + 56; // SKF_AD_OFF + SKF_AD_RANDOM
    private const int UdpHeader = 8;

    /// <summary>Instructions in the program.</summary>
    public const int Length = 12;

    /// <summary>The threshold that drops about <paramref name="permille"/>/1000 of the INVITEs (0: none).</summary>
    public static uint ThresholdFor(int permille) =>
        permille <= 0 ? 0 : permille >= 1000 ? uint.MaxValue : (uint)((ulong)permille * uint.MaxValue / 1000);

    /// <summary>Writes the program for <paramref name="threshold"/> into <paramref name="program"/> (<see cref="Length"/> instructions).</summary>
    public static void Build(Span<SockFilter> program, uint threshold)
    {
        const byte pass = 11;
        program[0] = new SockFilter(LdLen, 0, 0, 0);
        program[1] = new SockFilter(JgeK, 0, pass - 2, UdpHeader + 15); // "INVITE sip:a@b" at least
        program[2] = new SockFilter(LdhAbs, 0, 0, UdpHeader);
        program[3] = new SockFilter(JeqK, 0, pass - 4, 0x494E);         // "IN"
        program[4] = new SockFilter(LdAbs, 0, 0, UdpHeader + 2);
        program[5] = new SockFilter(JeqK, 0, pass - 6, 0x56495445);     // "VITE"
        program[6] = new SockFilter(LdbAbs, 0, 0, UdpHeader + 6);
        program[7] = new SockFilter(JeqK, 0, pass - 8, 0x20);           // ' '
        program[8] = new SockFilter(LdAbs, 0, 0, AdRandom);
        program[9] = new SockFilter(JgeK, 1, 0, threshold);             // random >= threshold: pass
        program[10] = new SockFilter(RetK, 0, 0, 0);                    // drop
        program[11] = new SockFilter(RetK, 0, 0, uint.MaxValue);        // pass, whole
    }

    /// <summary>
    /// Attaches the filter for <paramref name="threshold"/> to <paramref name="fd"/> (replacing any), or detaches it when
    /// the threshold is 0. False with errno when the kernel refused (the caller stops trying).
    /// </summary>
    public static bool Apply(int fd, uint threshold)
    {
        if (threshold == 0)
        {
            int zero = 0;
            // ENOENT: no filter was attached; that is the state asked for.
            return Libc.SetSockOpt(fd, Libc.SolSocket, Libc.SoDetachFilter, &zero, sizeof(int)) == 0
                || Marshal.GetLastPInvokeError() == 2;
        }

        SockFilter* program = stackalloc SockFilter[Length];
        Build(new Span<SockFilter>(program, Length), threshold);
        SockFprog fprog = new() { Length = Length, Filter = program };
        return Libc.SetSockOpt(fd, Libc.SolSocket, Libc.SoAttachFilter, &fprog, (uint)sizeof(SockFprog)) == 0;
    }
}

/// <summary>struct sock_filter: one classic BPF instruction.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct SockFilter(ushort code, byte jumpTrue, byte jumpFalse, uint k)
{
    public readonly ushort Code = code;
    public readonly byte JumpTrue = jumpTrue;
    public readonly byte JumpFalse = jumpFalse;
    public readonly uint K = k;
}

/// <summary>struct sock_fprog.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockFprog
{
    public ushort Length;
    public SockFilter* Filter;
}
