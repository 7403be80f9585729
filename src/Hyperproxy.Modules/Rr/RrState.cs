using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;

namespace Hyperproxy.Modules.Rr;

/// <summary>
/// rr's per-message state: whether record_route()/record_route_preset() ran, what goes into our
/// Record-Route entries (user, ftag, the call's params, add_rr_param values before and after), the
/// is_direction() answer, and the Route set loose_route works on. The Record-Route lines are
/// written when the message leaves (<see cref="IDeferredEdit"/>): only then is the send socket known.
/// </summary>
internal sealed class RrState : ModuleMessageState, IDeferredEdit
{
    private const int FieldSize = 512;

    private readonly byte[] _user = new byte[FieldSize];
    private readonly byte[] _params = new byte[FieldSize];
    private readonly byte[] _late = new byte[FieldSize];
    private readonly byte[] _buffered = new byte[FieldSize];
    private readonly byte[] _preset1 = new byte[FieldSize];
    private readonly byte[] _preset2 = new byte[FieldSize];
    private readonly byte[] _line = new byte[4 * FieldSize + 8 * 256];
    private int _userLength;
    private int _paramsLength;
    private int _lateLength;
    private int _bufferedLength;
    private int _preset1Length;
    private int _preset2Length;

    public RrModule Module { get; set; } = null!;

    /// <summary>record_route() or record_route_preset() ran for this message.</summary>
    public bool Recorded { get; private set; }

    public bool IsPreset { get; private set; }

    public bool HasSecondPreset { get; private set; }

    /// <summary>is_direction(): 0 unknown, 1 downstream, 2 upstream (cached per message).</summary>
    public int Direction { get; set; }

    public RouteSet Routes { get; } = new();

    /// <summary>Scratch for building a Route line, a URI or a log text.</summary>
    public byte[] Scratch { get; } = new byte[2048];

    /// <summary>Scratch for regex subjects.</summary>
    public char[] Chars { get; } = new char[2048];

    public bool BeginRecord(ReadOnlySpan<byte> user, ReadOnlySpan<byte> parameters)
    {
        if (!user.TryCopyTo(_user) || !parameters.TryCopyTo(_params))
        {
            return false;
        }

        _userLength = user.Length;
        _paramsLength = parameters.Length;
        Recorded = true;
        return true;
    }

    public bool BeginPreset(ReadOnlySpan<byte> user, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, bool hasSecond)
    {
        if (!user.TryCopyTo(_user) || !first.TryCopyTo(_preset1) || !second.TryCopyTo(_preset2))
        {
            return false;
        }

        _userLength = user.Length;
        _preset1Length = first.Length;
        _preset2Length = second.Length;
        HasSecondPreset = hasSecond;
        IsPreset = true;
        Recorded = true;
        return true;
    }

    /// <summary>add_rr_param(): buffered before record_route(), inserted into the built entries after it.</summary>
    public bool AddParam(ReadOnlySpan<byte> parameter)
    {
        if (Recorded)
        {
            if (!parameter.TryCopyTo(_late.AsSpan(_lateLength)))
            {
                return false;
            }

            _lateLength += parameter.Length;
            return true;
        }

        if (!parameter.TryCopyTo(_buffered.AsSpan(_bufferedLength)))
        {
            return false;
        }

        _bufferedLength += parameter.Length;
        return true;
    }

    public SipError Complete(ScriptContext context, int sendSocket)
    {
        if (!Recorded)
        {
            return SipError.None;
        }

        SipMessage m = context.Message;
        Span<byte> line = _line;
        int n = IsPreset ? WritePreset(context, sendSocket, line) : WriteRecordRoute(context, sendSocket, line);
        if (n < 0)
        {
            return SipError.EditArenaFull;
        }

        int position = m.HeaderCount > 0 ? m.Header(0).Line.Start : m.HeadersEnd;
        return context.Edits.Insert(position, line[..n]);
    }

    // What a branch_route may change: record_route() writes its fields only when nothing was recorded yet, and
    // add_rr_param() appends, so the flags and lengths are the whole of it.
    private (bool Recorded, bool IsPreset, bool HasSecond, int User, int Params, int Late, int Buffered, int Preset1, int Preset2) _kept;

    protected override void KeepForBranch() =>
        _kept = (Recorded, IsPreset, HasSecondPreset, _userLength, _paramsLength, _lateLength, _bufferedLength, _preset1Length, _preset2Length);

    protected override void RestoreAfterBranch()
    {
        (Recorded, IsPreset, HasSecondPreset, _userLength, _paramsLength, _lateLength, _bufferedLength, _preset1Length, _preset2Length) = _kept;
    }

    protected override void Reset()
    {
        Recorded = false;
        IsPreset = false;
        HasSecondPreset = false;
        Direction = 0;
        _userLength = 0;
        _paramsLength = 0;
        _lateLength = 0;
        _bufferedLength = 0;
        _preset1Length = 0;
        _preset2Length = 0;
    }

    /// <summary><c>&lt;sip:[user@]ADDR[;r2=on];lr[;ftag=T]params late buffered&gt;</c>, one or two lines.</summary>
    private int WriteRecordRoute(ScriptContext context, int sendSocket, Span<byte> line)
    {
        bool sips = Module.WantsSips(context);
        bool twice = Module.EnableDoubleRr && context.SocketsDiffer(context.Socket, sendSocket);
        int n = WriteEntry(context, sendSocket, true, twice, sips, line);
        if (n < 0 || !twice)
        {
            return n;
        }

        int second = WriteEntry(context, context.Socket, false, true, sips, line[n..]);
        return second < 0 ? -1 : n + second;
    }

    private int WriteEntry(ScriptContext context, int socket, bool sending, bool r2, bool sips, Span<byte> line)
    {
        var w = new LineWriter(line);
        w.Append(sips ? ModuleStrings.RecordRouteSips : ModuleStrings.RecordRouteSip);
        WriteUser(ref w);
        w.Address(context, socket, sending);
        if (r2)
        {
            w.Append(ModuleStrings.R2On);
        }

        w.Append(ModuleStrings.Lr);
        WriteFtag(context, ref w);
        w.Append(_params.AsSpan(0, _paramsLength));
        w.Append(_late.AsSpan(0, _lateLength));
        w.Append(_buffered.AsSpan(0, _bufferedLength));
        w.Append(ModuleStrings.CloseLine);
        return w.Length;
    }

    /// <summary><c>&lt;sip:[user@]S1[;ftag=T];lr late buffered&gt;</c> and, with s2, <c>&lt;sip:[user@]S2[;ftag=T];lr late&gt;</c>.</summary>
    private int WritePreset(ScriptContext context, int sendSocket, Span<byte> line)
    {
        Module.CheckPresetSocket(context, _preset1.AsSpan(0, _preset1Length), sendSocket);
        var w = new LineWriter(line);
        WritePresetEntry(context, _preset1.AsSpan(0, _preset1Length), true, ref w);
        if (HasSecondPreset)
        {
            WritePresetEntry(context, _preset2.AsSpan(0, _preset2Length), false, ref w);
        }

        return w.Length;
    }

    private void WritePresetEntry(ScriptContext context, ReadOnlySpan<byte> address, bool withBuffered, ref LineWriter w)
    {
        w.Append(ModuleStrings.RecordRouteSip);
        WriteUser(ref w);
        w.Append(address);
        WriteFtag(context, ref w);
        w.Append(ModuleStrings.Lr);
        w.Append(_late.AsSpan(0, _lateLength));
        if (withBuffered)
        {
            w.Append(_buffered.AsSpan(0, _bufferedLength));
        }

        w.Append(ModuleStrings.CloseLine);
    }

    private void WriteUser(ref LineWriter w)
    {
        if (_userLength > 0)
        {
            w.Append(_user.AsSpan(0, _userLength));
            w.Append("@"u8);
        }
    }

    private void WriteFtag(ScriptContext context, ref LineWriter w)
    {
        if (!Module.AppendFromtag)
        {
            return;
        }

        SipMessage m = context.Message;
        TextRange tag = m.FromTag;
        if (tag.IsPresent && tag.Length > 0)
        {
            w.Append(ModuleStrings.FtagParam);
            w.Append(m.Span(tag));
        }
    }
}
