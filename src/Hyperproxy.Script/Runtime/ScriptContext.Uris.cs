using Hyperproxy.Sip;

namespace Hyperproxy.Script.Runtime;

public sealed partial class ScriptContext
{
    private const int MaxUri = 2048;

    private byte[] _ruri = new byte[MaxUri];
    private byte[] _ruriSpare = new byte[MaxUri];
    private readonly byte[] _du = new byte[MaxUri];
    private int _ruriLength;
    private int _duLength;
    private bool _ruriChanged;
    private bool _ruriCommitted;
    private bool _hasDu;

    /// <summary>True when the script rewrote the Request-URI (seturi, $ru = ..., ...).</summary>
    public bool RequestUriChanged => _ruriChanged;

    /// <summary>The current Request-URI: the rewritten one, else the message's.</summary>
    public ReadOnlySpan<byte> RequestUri => _ruriChanged ? new ReadOnlySpan<byte>(_ruri, 0, _ruriLength) : Message.Span(Message.RequestUri);

    internal ScriptValue RequestUriValue => _ruriChanged
        ? ScriptValue.FromBytes(_ruri, 0, _ruriLength)
        : Message.IsRequest ? ScriptValue.FromMessage(Message, Message.RequestUri) : ScriptValue.Null;

    /// <summary><c>$du</c>: set (setdsturi, $du = ..., a module's next hop) or empty.</summary>
    public bool HasDestination => _hasDu;

    public ReadOnlySpan<byte> Destination => _hasDu ? new ReadOnlySpan<byte>(_du, 0, _duLength) : default;

    internal ScriptValue DestinationValue => _hasDu ? ScriptValue.FromBytes(_du, 0, _duLength) : ScriptValue.Null;

    /// <summary>Sets the new Request-URI (the edit is recorded by <see cref="CommitRequestUri"/> when the message leaves).</summary>
    public bool SetRequestUri(ReadOnlySpan<byte> uri)
    {
        if (uri.Length > MaxUri || uri.IsEmpty)
        {
            return false;
        }

        uri.CopyTo(_ruriSpare);
        (_ruri, _ruriSpare) = (_ruriSpare, _ruri);
        _ruriLength = uri.Length;
        _ruriChanged = true;
        return true;
    }

    /// <summary>Starts building a new R-URI in the spare buffer (the current one stays readable).</summary>
    internal Span<byte> BeginRequestUri() => _ruriSpare;

    internal void EndRequestUri(int length)
    {
        (_ruri, _ruriSpare) = (_ruriSpare, _ruri);
        _ruriLength = length;
        _ruriChanged = true;
    }

    /// <summary>revert_uri(): back to the received Request-URI.</summary>
    public void RevertRequestUri() => _ruriChanged = false;

    /// <summary>Records the R-URI rewrite as an edit, once; call before writing the message out.</summary>
    public SipError CommitRequestUri()
    {
        if (!_ruriChanged || _ruriCommitted || !Message.IsRequest)
        {
            return SipError.None;
        }

        _ruriCommitted = true;
        return Edits.SetRequestUri(new ReadOnlySpan<byte>(_ruri, 0, _ruriLength));
    }

    public bool SetDestination(ReadOnlySpan<byte> uri)
    {
        if (uri.Length > MaxUri)
        {
            return false;
        }

        uri.CopyTo(_du);
        _duLength = uri.Length;
        _hasDu = true;
        return true;
    }

    public void ResetDestination() => _hasDu = false;

    private void ResetUris()
    {
        _ruriChanged = false;
        _ruriCommitted = false;
        _hasDu = false;
    }
}
