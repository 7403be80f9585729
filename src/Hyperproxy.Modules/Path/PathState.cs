using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Path;

/// <summary>
/// path's per-message state: the add_path*() call waiting for the send socket. When the message
/// leaves, our Path entry (two when the sockets differ and enable_double_path is on) goes right
/// above the first Path header, or at the end of the headers when there is none (RFC 3327 §5.1:
/// a proxy adds its URI as the topmost Path value).
/// </summary>
internal sealed class PathState : ModuleMessageState, IDeferredEdit
{
    private readonly byte[] _user = new byte[256];
    private readonly byte[] _line = new byte[2048];
    private int _userLength;

    public PathModule Module { get; set; } = null!;

    public bool Pending { get; private set; }

    public bool WithReceived { get; private set; }

    /// <summary>The entry carries a flow token and <c>;ob</c> (RFC 5626 outbound).</summary>
    public bool Ob { get; private set; }

    public bool Begin(ReadOnlySpan<byte> user, bool withReceived, bool ob)
    {
        if (Pending || !user.TryCopyTo(_user))
        {
            return false;
        }

        _userLength = user.Length;
        WithReceived = withReceived;
        Ob = ob;
        Pending = true;
        return true;
    }

    public SipError Complete(ScriptContext context, int sendSocket)
    {
        if (!Pending)
        {
            return SipError.None;
        }

        bool twice = Module.EnableDoublePath && context.SocketsDiffer(context.Socket, sendSocket);
        var w = new LineWriter(_line);
        WriteEntry(context, sendSocket, true, twice, WithReceived && !twice, ref w);
        if (twice)
        {
            WriteEntry(context, context.Socket, false, true, WithReceived, ref w);
        }

        if (w.Length < 0)
        {
            return SipError.EditArenaFull;
        }

        SipMessage m = context.Message;
        int first = m.FindHeader(HeaderId.Path);
        return first >= 0 ? context.Edits.AddHeaderBefore(first, w.Written) : context.Edits.AddHeader(w.Written);
    }

    // Begin() writes only when nothing is pending, so the flags and the length are the whole of what a branch_route changes.
    private (bool Pending, bool WithReceived, bool Ob, int User) _kept;

    protected override void KeepForBranch() => _kept = (Pending, WithReceived, Ob, _userLength);

    protected override void RestoreAfterBranch()
    {
        (Pending, WithReceived, Ob, _userLength) = _kept;
    }

    protected override void Reset()
    {
        Pending = false;
        WithReceived = false;
        Ob = false;
        _userLength = 0;
    }

    private void WriteEntry(ScriptContext context, int socket, bool sending, bool r2, bool received, ref LineWriter w)
    {
        w.Append(ModuleStrings.PathSip);
        if (_userLength > 0)
        {
            w.Append(_user.AsSpan(0, _userLength));
            w.Append((byte)'@');
        }

        w.Address(context, socket, sending);
        if (r2)
        {
            w.Append(ModuleStrings.R2On);
        }

        w.Append(ModuleStrings.Lr);
        if (Ob)
        {
            w.Append(";ob"u8);
        }

        if (received)
        {
            w.Append(ModuleStrings.ReceivedParam);
            WriteReceived(context, ref w);
        }

        w.Append(ModuleStrings.CloseLine);
    }

    /// <summary><c>sip:src-ip:src-port</c>, plus <c>%3btransport%3dproto</c> when the request did not come over UDP.</summary>
    private static void WriteReceived(ScriptContext context, ref LineWriter w)
    {
        Span<byte> host = stackalloc byte[64];
        if (!context.Source.TryFormatHost(host, out int n))
        {
            w.Fail();
            return;
        }

        w.Append(ModuleStrings.Sip);
        w.Append(host[..n]);
        w.Append((byte)':');
        Span<byte> digits = stackalloc byte[8];
        w.Append(digits[..ScriptText.WriteInt(context.Source.Port, digits)]);
        ReadOnlySpan<byte> transport = context.Host.SocketTransport(context.Socket);
        if (!transport.IsEmpty)
        {
            w.Append(ModuleStrings.EscapedTransport);
            w.Append(transport);
        }
    }
}
