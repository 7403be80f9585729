using Hyperproxy.Script.Runtime.Variables;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;

namespace Hyperproxy.Script.Runtime;

/// <summary>
/// The parts of the context for blocks that are not a normal message run: the <c>$err.*</c>
/// values of <c>error_route</c> and the message-less runs of <c>startup_route</c>/<c>timer_route</c>.
/// </summary>
public sealed partial class ScriptContext
{
    /// <summary>OpenSIPS's error class of a parse error (<c>$err.class</c>).</summary>
    public const int ParseErrorClass = 1;

    /// <summary>The severity given to a parse error (<c>$err.level</c>; OpenSIPS's "medium").</summary>
    public const int ParseErrorLevel = 3;

    private readonly byte[] _errInfo = new byte[256];
    private readonly byte[] _errReason = new byte[256];
    private int _errInfoLength;
    private int _errReasonLength;
    private int _errClass;
    private int _errReplyCode;
    private SipMessage? _emptyMessage;
    private SipEdits? _emptyEdits;

    /// <summary>True while the context runs without a SIP message (startup_route, timer_route).</summary>
    public bool WithoutMessage { get; private set; }

    /// <summary>
    /// Binds the context to a request that failed to parse or validate, for <c>error_route</c>:
    /// <c>$err.class</c>/<c>$err.level</c> say "parse error", <c>$err.info</c> is
    /// <paramref name="info"/>, <c>$err.rcode</c>/<c>$err.rreason</c> the recommended reply.
    /// </summary>
    public void BeginError(SipMessage message, SipEdits edits, in NetAddress source, int socket,
        int replyCode, ReadOnlySpan<byte> replyReason, ReadOnlySpan<byte> info)
    {
        Begin(message, edits, source, socket);
        _errClass = ParseErrorClass;
        _errReplyCode = replyCode;
        _errReasonLength = Math.Min(replyReason.Length, _errReason.Length);
        replyReason[.._errReasonLength].CopyTo(_errReason);
        _errInfoLength = Math.Min(info.Length, _errInfo.Length);
        info[.._errInfoLength].CopyTo(_errInfo);
    }

    /// <summary>
    /// Resets the context for a run with no SIP message (startup_route, timer_route): an empty,
    /// unparsed message stands in, so message pseudo-variables read as empty/NULL.
    /// </summary>
    public void BeginWithoutMessage()
    {
        _emptyMessage ??= new SipMessage();
        _emptyEdits ??= new SipEdits();
        _emptyEdits.Reset(_emptyMessage);
        Begin(_emptyMessage, _emptyEdits, default, 0);
        WithoutMessage = true;
    }

    private void ResetErrors()
    {
        WithoutMessage = false;
        _errClass = 0;
        _errReplyCode = 0;
        _errInfoLength = 0;
        _errReasonLength = 0;
    }

    internal ScriptValue ParseErrorValue(VariableId id)
    {
        if (_errClass == 0)
        {
            return ScriptValue.Null;
        }

        return id switch
        {
            VariableId.ErrorClass => ScriptValue.FromInt(_errClass),
            VariableId.ErrorLevel => ScriptValue.FromInt(ParseErrorLevel),
            VariableId.ErrorInfo => ScriptValue.FromBytes(_errInfo, 0, _errInfoLength),
            VariableId.ErrorReplyCode => ScriptValue.FromInt(_errReplyCode),
            VariableId.ErrorReplyReason => ScriptValue.FromBytes(_errReason, 0, _errReasonLength),
            _ => ScriptValue.Null,
        };
    }
}
