using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Registrar;

/// <summary>
/// lookup()'s pre-loaded Route set: the chosen binding's Path as one <c>Route: &lt;p1&gt;,&lt;p2&gt;</c>
/// header, inserted when the request leaves — before the first Route, or after the last Via when there
/// is none (OpenSIPS insert_path_as_route). Per worker, reset per message.
/// </summary>
internal sealed class PathRouteEdit : ModuleMessageState, IDeferredEdit
{
    private readonly byte[] _line = new byte[4096];
    private int _length;

    /// <summary>Starts the header; add the URIs with <see cref="Add"/>.</summary>
    public void Begin()
    {
        RegistrarStrings.RouteHeader.CopyTo(_line);
        _length = RegistrarStrings.RouteHeader.Length;
    }

    public bool Add(ReadOnlySpan<byte> uri)
    {
        int needed = uri.Length + 5;
        if (_length < 0 || _length + needed > _line.Length)
        {
            _length = -1;
            return false;
        }

        if (_length > RegistrarStrings.RouteHeader.Length)
        {
            _line[_length++] = (byte)',';
        }

        _line[_length++] = (byte)'<';
        uri.CopyTo(_line.AsSpan(_length));
        _length += uri.Length;
        _line[_length++] = (byte)'>';
        return true;
    }

    public bool Finish()
    {
        if (_length < 0)
        {
            return false;
        }

        _line[_length++] = (byte)'\r';
        _line[_length++] = (byte)'\n';
        return true;
    }

    public SipError Complete(ScriptContext context, int sendSocket)
    {
        if (_length <= 0)
        {
            return SipError.None;
        }

        SipMessage m = context.Message;
        ReadOnlySpan<byte> line = _line.AsSpan(0, _length);
        _length = 0;
        int firstRoute = m.FindHeader(HeaderId.Route);
        if (firstRoute >= 0)
        {
            return context.Edits.AddHeaderBefore(firstRoute, line);
        }

        int lastVia = -1;
        for (int i = m.FindHeader(HeaderId.Via); i >= 0; i = m.FindHeader(HeaderId.Via, i + 1))
        {
            lastVia = i;
        }

        return lastVia >= 0 ? context.Edits.AddHeaderAfter(lastVia, line) : context.Edits.AddHeader(line);
    }

    protected override void Reset() => _length = 0;
}
