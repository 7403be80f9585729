using Hyperproxy.Sip;

namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// One locally originated request (MI <c>t_uac_dlg</c>) on its way to a worker and back: the management thread writes
/// the whole request, with a placeholder where the worker writes tm's branch id (<see cref="TmBranchId"/>, fixed
/// length) once it has a transaction slot; the owning worker sends it as a client transaction and, at the final reply
/// (or the 408 of fr_timeout), copies the reply into <see cref="Reply"/> and signals <see cref="Completion"/>. The
/// management side reads the result only after that signal; the worker never touches the object again.
/// </summary>
public sealed class UacRequest
{
    /// <summary>A reply larger than this is reported by its status only.</summary>
    public const int MaxReply = 65_535;

    public UacRequest(byte[] message, int branchOffset, SipMethod method, in NetAddress destination, int socket, bool reliable)
    {
        Message = message;
        BranchOffset = branchOffset;
        Method = method;
        Destination = destination;
        Socket = socket;
        Reliable = reliable;
    }

    /// <summary>The request as it will be sent, but for the branch id at <see cref="BranchOffset"/>.</summary>
    public byte[] Message { get; }

    public int BranchOffset { get; }

    public SipMethod Method { get; }

    public NetAddress Destination { get; }

    /// <summary>The server's socket index it leaves from.</summary>
    public int Socket { get; }

    /// <summary>A stream transport: no retransmissions (RFC 3261 §17.1.1.2, §17.1.2.2).</summary>
    public bool Reliable { get; }

    /// <summary>tracer: 1 + the trace_id index it is traced to, 0 = not traced (decided when it was built).</summary>
    public int TraceId { get; init; }

    /// <summary>The final status (408 when fr_timeout ended it without a reply; 500 when no worker could send it).</summary>
    public int Code { get; private set; }

    /// <summary>True when <see cref="Code"/> is tm's own (no reply was received).</summary>
    public bool Faked { get; private set; }

    /// <summary>The final reply as received (empty when faked or larger than <see cref="MaxReply"/>).</summary>
    public ReadOnlyMemory<byte> Reply { get; private set; }

    private readonly byte[] _reply = new byte[MaxReply];

    /// <summary>Signalled once the final is known; continuations run off the worker.</summary>
    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Worker: the final reply arrived.</summary>
    public void Complete(int code, ReadOnlySpan<byte> reply)
    {
        Code = code;
        if (reply.Length <= _reply.Length)
        {
            reply.CopyTo(_reply);
            Reply = _reply.AsMemory(0, reply.Length);
        }

        Completion.TrySetResult();
    }

    /// <summary>Worker: tm ends it itself (408 after fr_timeout, 500 when it could not be sent).</summary>
    public void Fail(int code)
    {
        Code = code;
        Faked = true;
        Completion.TrySetResult();
    }
}
