using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Runtime.Variables;

/// <summary>Writes one writable pseudo-variable (<c>$ru $rU $rd $rp $du $dd $dp $var $avp $socket_out $T_fr_timeout $T_fr_inv_timeout</c>).</summary>
public sealed class VariableWriter
{
    private readonly VariableId _id;
    private readonly int _slot;
    private readonly SourceLocation _location;
    private readonly AvpMode _avpMode;

    internal VariableWriter(VariableId id, int slot, SourceLocation location, AvpMode avpMode = AvpMode.Push)
    {
        _id = id;
        _slot = slot;
        _location = location;
        _avpMode = avpMode;
    }

    /// <summary>How an assignment changes an AVP stack: <c>=</c> pushes, <c>:=</c> replaces all, compound ops replace the top.</summary>
    internal enum AvpMode : byte
    {
        Push,
        ReplaceAll,
        ReplaceTop,
    }

    internal VariableId Id => _id;

    internal int Slot => _slot;

    public void Write(ScriptContext context, in ScriptValue value)
    {
        bool ok = true;
        switch (_id)
        {
            case VariableId.Var:
                context.SetVar(_slot, value);
                return;
            case VariableId.Avp:
                ok = _avpMode == AvpMode.ReplaceTop ? context.ReplaceTopAvp(_slot, value) : context.WriteAvp(_slot, value, _avpMode == AvpMode.ReplaceAll);
                break;
            case VariableId.RequestUri:
                ok = !value.IsNull && context.SetRequestUri(context.AsBytes(value));
                break;
            case VariableId.RequestUser:
                ok = UriRewriter.RewriteRequestUri(context, UriRewriter.Part.User, context.AsBytes(value));
                break;
            case VariableId.RequestDomain:
                ok = !value.IsNull && UriRewriter.RewriteRequestUri(context, UriRewriter.Part.Host, context.AsBytes(value));
                break;
            case VariableId.RequestPort:
                ok = UriRewriter.RewriteRequestUri(context, UriRewriter.Part.Port, context.AsBytes(value));
                break;
            case VariableId.DestinationUri:
                if (value.IsNull)
                {
                    context.ResetDestination();
                }
                else
                {
                    ok = context.SetDestination(context.AsBytes(value));
                }

                break;
            case VariableId.DestinationDomain:
            case VariableId.DestinationPort:
                ok = RewriteDestination(context, value);
                break;
            case VariableId.SocketIn:
                int socket = value.IsNull ? -1 : context.Host.FindSocket(context.AsBytes(value));
                ok = value.IsNull || socket >= 0;
                context.ForcedSocket = socket;
                break;
            case VariableId.TmFrTimeout:
            case VariableId.TmFrInvTimeout:
                // $T_fr_timeout / $T_fr_inv_timeout: seconds, for the transaction in hand or the one t_relay creates next.
                ok = context.Host is ITmHost tm && value.TryGetInt(out int seconds) && seconds > 0
                    && tm.TSetTimeout(context, _id == VariableId.TmFrInvTimeout, seconds);
                break;
            default:
                return; // $stat and friends: accepted, no effect yet
        }

        if (!ok)
        {
            context.RuntimeError(_location, "cannot assign this value");
        }
    }

    private bool RewriteDestination(ScriptContext context, in ScriptValue value)
    {
        ReadOnlySpan<byte> bytes = context.AsBytes(value);
        Span<byte> buffer = context.ArenaFree;
        ReadOnlySpan<byte> current = context.HasDestination ? context.Destination : context.RequestUri;
        int n = UriRewriter.Rewrite(current, _id == VariableId.DestinationDomain ? UriRewriter.Part.Host : UriRewriter.Part.Port, bytes, 0, buffer);
        return n >= 0 && context.SetDestination(buffer[..n]);
    }
}
