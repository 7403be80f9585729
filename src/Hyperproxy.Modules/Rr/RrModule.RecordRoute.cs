using System.Runtime.CompilerServices;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Rr;

/// <summary>record_route(), record_route_preset(), add_rr_param().</summary>
public sealed partial class RrModule
{
    /// <summary>
    /// record_route([params]): our Record-Route entry (two when the request leaves from another
    /// socket than it came in on and enable_double_rr is on), written when the message is sent.
    /// -1 on a second attempt for the same message.
    /// </summary>
    public int RecordRoute(ScriptContext context, ReadOnlySpan<byte> parameters)
    {
        if (!context.Message.IsRequest)
        {
            return ScriptResult.False;
        }

        RrState s = State(context);
        if (s.Recorded)
        {
            Warn(context, "rr: double attempt to record-route"u8);
            return ScriptResult.False;
        }

        if (Outbound is not null && Outbound.AppliesToRequest(context))
        {
            // RFC 5626 §5.2: the flow token is the user part of our Record-Route URI, with ;ob.
            Span<byte> token = stackalloc byte[Hyperproxy.Modules.Outbound.OutboundModule.MaxTokenLength];
            Span<byte> withOb = stackalloc byte[parameters.Length + 3];
            int n = Outbound.WriteToken(context, token);
            ";ob"u8.CopyTo(withOb);
            parameters.CopyTo(withOb[3..]);
            return n > 0 && s.BeginRecord(token[..n], withOb) && context.Defer(s) ? ScriptResult.True : ScriptResult.False;
        }

        if (!s.BeginRecord(AddUsername ? RequestUser(context) : default, parameters) || !context.Defer(s))
        {
            return ScriptResult.False;
        }

        return ScriptResult.True;
    }

    /// <summary>The outbound module (set by the catalog); it decides whether record_route() puts a flow token in.</summary>
    public Outbound.OutboundModule? Outbound { get; set; }

    /// <summary>record_route_preset(s1[, s2]): <c>Record-Route: &lt;sip:s1;...&gt;</c> (and s2 after it).</summary>
    public int RecordRoutePreset(ScriptContext context, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, bool hasSecond)
    {
        if (!context.Message.IsRequest || (hasSecond && !EnableDoubleRr))
        {
            return ScriptResult.False;
        }

        RrState s = State(context);
        if (s.Recorded)
        {
            Warn(context, "rr: double attempt to record-route"u8);
            return ScriptResult.False;
        }

        if (!s.BeginPreset(AddUsername ? RequestUser(context) : default, first, second, hasSecond) || !context.Defer(s))
        {
            return ScriptResult.False;
        }

        return ScriptResult.True;
    }

    /// <summary>add_rr_param(";name=value"): into every Record-Route entry this message gets (or got).</summary>
    public int AddRrParam(ScriptContext context, ReadOnlySpan<byte> parameter) =>
        context.Message.IsRequest && State(context).AddParam(parameter) ? ScriptResult.True : ScriptResult.False;

    /// <summary>
    /// RFC 3261 §16.6 step 4: the Record-Route URI must be a SIPS URI when the Request-URI, or the
    /// topmost Route, is one (OpenSIPS always writes sip:).
    /// </summary>
    internal bool WantsSips(ScriptContext context)
    {
        if (IsSips(context.RequestUri))
        {
            return true;
        }

        SipMessage m = context.Message;
        foreach (HeaderValue hv in m.Values(HeaderId.Route))
        {
            ReadOnlySpan<byte> v = m.Span(hv.Value);
            int lt = v.IndexOf((byte)'<');
            return IsSips(lt >= 0 ? v[(lt + 1)..] : v);
        }

        return false;
    }

    /// <summary>The mismatch warning of record_route_preset(): its address does not name the socket the request leaves from.</summary>
    internal void CheckPresetSocket(ScriptContext context, ReadOnlySpan<byte> address, int sendSocket)
    {
        if (!EnableSocketMismatchWarning)
        {
            return;
        }

        ReadOnlySpan<byte> hostPort = address;
        int at = hostPort.IndexOf((byte)'@');
        if (at >= 0)
        {
            hostPort = hostPort[(at + 1)..];
        }

        int semi = hostPort.IndexOf((byte)';');
        if (semi >= 0)
        {
            hostPort = hostPort[..semi];
        }

        Span<byte> own = stackalloc byte[300];
        int n = context.WriteSocketAddress(sendSocket, true, own);
        if (n > 0 && SipText.EqualsIgnoreCase(own[..n], hostPort))
        {
            return;
        }

        WarnMismatch(context, hostPort, own[..Math.Max(n, 0)]);
    }

    private int RecordRouteFunction(ScriptContext context, CallArguments args) =>
        RecordRoute(context, args.Count > 0 ? args.Bytes(context, 0) : default);

    private int RecordRoutePresetFunction(ScriptContext context, CallArguments args)
    {
        ReadOnlySpan<byte> first = args.Bytes(context, 0);
        bool hasSecond = args.Count > 1;
        return RecordRoutePreset(context, first, hasSecond ? args.Bytes(context, 1) : default, hasSecond);
    }

    private int AddRrParamFunction(ScriptContext context, CallArguments args) => AddRrParam(context, args.Bytes(context, 0));

    /// <summary>The user of the received R-URI, else of the rewritten one.</summary>
    private static ReadOnlySpan<byte> RequestUser(ScriptContext context)
    {
        SipMessage m = context.Message;
        ReadOnlySpan<byte> original = m.Span(m.RequestUri);
        if (SipUri.TryParse(original, out SipUri u) && u.User.IsPresent && u.User.Length > 0)
        {
            return original.Slice(u.User.Start, u.User.Length);
        }

        ReadOnlySpan<byte> current = context.RequestUri;
        return SipUri.TryParse(current, out u) && u.User.IsPresent ? current.Slice(u.User.Start, u.User.Length) : default;
    }

    private static bool IsSips(ReadOnlySpan<byte> uri) => uri.Length > 5 && SipText.EqualsIgnoreCase(uri[..5], "sips:"u8);

    private static void Warn(ScriptContext context, ReadOnlySpan<byte> text)
    {
        if (context.Host.IsLogEnabled(1))
        {
            context.Host.Log(1, text);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WarnMismatch(ScriptContext context, ReadOnlySpan<byte> preset, ReadOnlySpan<byte> own)
    {
        if (!context.Host.IsLogEnabled(1))
        {
            return;
        }

        Span<byte> text = stackalloc byte[700];
        var w = new LineWriter(text);
        w.Append("rr: socket mismatch: record_route_preset address "u8);
        w.Append(preset);
        w.Append(" is not the outgoing socket "u8);
        w.Append(own);
        context.Host.Log(1, w.Written);
    }
}
