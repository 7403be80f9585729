using System.Buffers.Binary;
using System.Security.Cryptography;
using Hyperproxy.Modules.Rr;
using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Outbound;

/// <summary>
/// RFC 5626 outbound at the edge, over UDP, TCP and TLS (Kamailio's <c>outbound</c> module as the reference; OpenSIPS has none):
/// when outbound applies, add_path*() and record_route() put a flow token in the user part of our URI with
/// <c>;ob</c>; loose_route() sends a request whose Route carries a token back down that flow (the socket and
/// address it came from), and a flow that has sent nothing for <c>flow_timeout</c> seconds fails the forward
/// with 430 Flow Failed (sl_reply_error). Tokens are the flow's socket and address with a SipHash MAC under a
/// key drawn at start-up (a restart invalidates them: the UAs register again, RFC 5626 §4.4.1).
/// </summary>
public sealed class OutboundModule
{
    public const string Name = "outbound";

    private readonly RrModule _rr;
    private readonly ulong _k0;
    private readonly ulong _k1;
    private string? _forceFlagName;
    private string? _forceNoFlagName;
    private bool _callbackRegistered;

    public OutboundModule(RrModule rr)
    {
        _rr = rr;
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        _k0 = BinaryPrimitives.ReadUInt64LittleEndian(key);
        _k1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
        Exports = new ModuleDeclaration(Name, [],
        [
            String("force_outbound_flag", null, v => _forceFlagName = v),
            String("force_no_outbound_flag", null, v => _forceNoFlagName = v),
            Int("flow_timeout", 0, v => FlowTimeout = v, v => v is >= 0 and <= 86400 ? null : $"{v} is out of range (0..86400 seconds)"),
        ]);
        ModuleTable.ApplyDefaults(Exports);
    }

    /// <summary>The export table: the modparams (outbound has no script functions; rr and path do its work).</summary>
    public ModuleDeclaration Exports { get; }

    /// <summary>The script loads outbound.</summary>
    public bool Enabled { get; private set; }

    /// <summary>
    /// <c>flow_timeout</c> (Hyperproxy's; Kamailio watches TCP connections instead): a UDP flow that has sent nothing
    /// (SIP or STUN keep-alive) for this many seconds is dead, and requests for it get 430. 0: UDP flows never die.
    /// Set it above the registrar's Flow-Timer.
    /// </summary>
    public int FlowTimeout { get; private set; }

    /// <summary>When each flow last sent something (the workers touch it for every datagram when outbound is loaded).</summary>
    public FlowTable Flows { get; } = new();

    /// <summary>Message flag bits of force_outbound_flag / force_no_outbound_flag, -1 when unset.</summary>
    public int ForceFlag { get; private set; } = -1;

    public int ForceNoFlag { get; private set; } = -1;

    /// <summary>Resolves the flags and hooks loose_route() when the script loads outbound.</summary>
    public void ResolveSettings(ScriptProgram program)
    {
        Enabled = program.IsModuleLoaded(Name);
        ForceFlag = ResolveFlag(program, "force_outbound_flag", _forceFlagName);
        ForceNoFlag = ResolveFlag(program, "force_no_outbound_flag", _forceNoFlagName);
        if (!Enabled)
        {
            return;
        }

        if (!program.IsModuleLoaded(RrModule.Name))
        {
            throw new ModuleParameterException(new Script.Text.ScriptDiagnostic(default, "module outbound: flows are kept by rr and path; loadmodule \"rr.so\""));
        }

        if (!_callbackRegistered)
        {
            _rr.RegisterCallback(FlowCallback, this, 1);
            _callbackRegistered = true;
        }
    }

    private static int ResolveFlag(ScriptProgram program, string parameter, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return -1;
        }

        string t = text.Trim();
        if (int.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int bit))
        {
            return bit is >= 0 and < 32 ? bit : throw ModuleParameterException.For(program, Name, parameter, $"flag {bit} is out of range (0..31)");
        }

        // A name the script never sets with setflag() can never be set on a message: the same as no flag.
        return program.MessageFlags.TryGetValue(t, out bit) ? bit : -1;
    }

    /// <summary>
    /// A REGISTER gets a flow token in our Path entry when outbound is forced, or when we are its first hop (a single
    /// Via) and a Contact has reg-id (RFC 5626 §5.1).
    /// </summary>
    public bool AppliesToRegister(ScriptContext context)
    {
        if (!Enabled || Forced(context, ForceNoFlag))
        {
            return false;
        }

        if (Forced(context, ForceFlag))
        {
            return true;
        }

        SipMessage m = context.Message;
        if (!SingleVia(m))
        {
            return false;
        }

        NameAddrEnumerator e = m.NameAddrs(HeaderId.Contact);
        while (e.MoveNext())
        {
            if (e.Current.RegId.IsPresent)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Another request gets a flow token in our Record-Route when outbound is forced, or when we are its first hop and
    /// either its top Route is our URI with <c>;ob</c> or it has Supported: outbound and <c>;ob</c> in its Contact URI.
    /// </summary>
    public bool AppliesToRequest(ScriptContext context)
    {
        if (!Enabled || Forced(context, ForceNoFlag))
        {
            return false;
        }

        if (Forced(context, ForceFlag))
        {
            return true;
        }

        SipMessage m = context.Message;
        if (!SingleVia(m))
        {
            return false;
        }

        if (m.GetFirstRoute(out NameAddr route) == SipError.None && HasOb(m.Span(route.Uri), context, requireMe: true))
        {
            return true;
        }

        return OptionTags.Contains(m, HeaderId.Supported, "outbound"u8)
            && m.GetFirstContact(out NameAddr contact) == SipError.None && HasOb(m.Span(contact.Uri), context, requireMe: false);
    }

    private static bool Forced(ScriptContext context, int flag) => flag >= 0 && context.IsFlagSet(flag);

    private static bool SingleVia(SipMessage m)
    {
        int vias = 0;
        foreach (HeaderValue _ in m.Values(HeaderId.Via))
        {
            if (++vias > 1)
            {
                return false;
            }
        }

        return vias == 1;
    }

    private static bool HasOb(ReadOnlySpan<byte> text, ScriptContext context, bool requireMe)
    {
        if (!SipUri.TryParse(text, out SipUri uri) || !uri.Params.IsPresent
            || !SipParams.TryFind(text.Slice(uri.Params.Start, uri.Params.Length), "ob"u8, out _))
        {
            return false;
        }

        return !requireMe || context.Host.IsMyself(text.Slice(uri.Host.Start, uri.Host.Length), uri.PortNumber);
    }

    /// <summary>Longest token: an IPv6 stream flow (socket, family, address, port, connection id, MAC) in hex.</summary>
    public const int MaxTokenLength = 72;

    /// <summary>
    /// The flow token of the current message's flow as hex (its socket and source; over TCP/TLS also the connection it
    /// came on, which is the flow, RFC 5626 §5.2); its length, -1 when it does not fit.
    /// </summary>
    public int WriteToken(ScriptContext context, Span<byte> destination) => WriteToken(context.Source, context.Socket, context.Connection, destination);

    public int WriteToken(in NetAddress source, int socket, Span<byte> destination) => WriteToken(source, socket, 0, destination);

    public int WriteToken(in NetAddress source, int socket, long connection, Span<byte> destination)
    {
        Span<byte> raw = stackalloc byte[MaxTokenLength / 2];
        int n = Encode(source, socket, connection, raw);
        if (n < 0 || destination.Length < 2 * (n + 8))
        {
            return -1;
        }

        BinaryPrimitives.WriteUInt64LittleEndian(raw[n..], SipHash.Compute(_k0, _k1, raw[..n]));
        n += 8;
        for (int i = 0; i < n; i++)
        {
            destination[2 * i] = (byte)"0123456789abcdef"[raw[i] >> 4];
            destination[(2 * i) + 1] = (byte)"0123456789abcdef"[raw[i] & 0xF];
        }

        return 2 * n;
    }

    /// <summary>A flow token we wrote (its MAC checks): the flow's address and socket.</summary>
    public bool TryDecode(ReadOnlySpan<byte> token, out NetAddress address, out int socket) => TryDecode(token, out address, out socket, out _);

    /// <summary>A flow token we wrote (its MAC checks): the flow's address, socket and stream connection (0: a UDP flow).</summary>
    public bool TryDecode(ReadOnlySpan<byte> token, out NetAddress address, out int socket, out long connection)
    {
        address = default;
        socket = -1;
        connection = 0;
        if (token.Length is not (32 or 48 or 56 or 72))
        {
            return false;
        }

        Span<byte> raw = stackalloc byte[MaxTokenLength / 2];
        int n = token.Length / 2;
        for (int i = 0; i < n; i++)
        {
            int hi = SipText.HexValue(token[2 * i]);
            int lo = SipText.HexValue(token[(2 * i) + 1]);
            if (hi < 0 || lo < 0)
            {
                return false;
            }

            raw[i] = (byte)((hi << 4) | lo);
        }

        int body = n - 8;
        if (SipHash.Compute(_k0, _k1, raw[..body]) != BinaryPrimitives.ReadUInt64LittleEndian(raw[body..]))
        {
            return false;
        }

        bool stream = (raw[1] & StreamFlag) != 0;
        int family = raw[1] & ~StreamFlag;
        int addressLength = family == 4 ? 4 : 16;
        if ((family != 4 && family != 6) || body != 4 + addressLength + (stream ? 8 : 0))
        {
            return false;
        }

        socket = raw[0];
        int port = BinaryPrimitives.ReadUInt16BigEndian(raw[(2 + addressLength)..]);
        address = family == 4 ? NetAddress.FromIPv4(raw.Slice(2, 4), port) : NetAddress.FromIPv6(raw.Slice(2, 16), port);
        if (stream)
        {
            connection = BinaryPrimitives.ReadInt64LittleEndian(raw[(4 + addressLength)..]);
        }

        return true;
    }

    /// <summary>Family byte bit of a stream flow's token (the connection id follows the port).</summary>
    private const int StreamFlag = 0x10;

    private static int Encode(in NetAddress source, int socket, long connection, Span<byte> raw)
    {
        if ((uint)socket > byte.MaxValue || (!source.IsIPv4 && !source.IsIPv6) || connection < 0)
        {
            return -1;
        }

        raw[0] = (byte)socket;
        raw[1] = (byte)((source.IsIPv4 ? 4 : 6) | (connection != 0 ? StreamFlag : 0));
        int n = source.CopyAddressBytes(raw[2..]);
        BinaryPrimitives.WriteUInt16BigEndian(raw[(2 + n)..], (ushort)source.Port);
        n += 4;
        if (connection != 0)
        {
            BinaryPrimitives.WriteInt64LittleEndian(raw[n..], connection);
            n += 8;
        }

        return n;
    }

    /// <summary>
    /// The rr callback (after path's): the first of our Route entries whose user part is one of our flow tokens
    /// sends the request down that flow; a flow silent for longer than flow_timeout fails the forward with 430.
    /// </summary>
    private static void FlowCallback(ScriptContext context, ReadOnlySpan<byte> routeParams, object? parameter)
    {
        var module = (OutboundModule)parameter!;
        SipMessage m = context.Message;
        NameAddrEnumerator e = m.NameAddrs(HeaderId.Route);
        for (int i = 0; i < 2 && e.MoveNext(); i++)
        {
            ReadOnlySpan<byte> text = m.Span(e.Current.Uri);
            if (!SipUri.TryParse(text, out SipUri uri) || !uri.User.IsPresent
                || !module.TryDecode(text.Slice(uri.User.Start, uri.User.Length), out NetAddress flow, out int socket, out long connection))
            {
                continue;
            }

            if (connection != 0)
            {
                // A TCP/TLS flow is its connection (RFC 5626 §5.3): down it while it is open, else 430 Flow Failed.
                if (!context.Host.IsConnectionOpen(connection))
                {
                    context.FlowFailed = true;
                    return;
                }

                Span<byte> streamDu = stackalloc byte[96];
                "sip:"u8.CopyTo(streamDu);
                ReadOnlySpan<byte> transport = context.Host.SocketTransport(socket);
                if (flow.TryFormat(streamDu[4..], out int length) && 4 + length + 11 + transport.Length <= streamDu.Length)
                {
                    length += 4;
                    if (!transport.IsEmpty)
                    {
                        ";transport="u8.CopyTo(streamDu[length..]);
                        length += 11;
                        transport.CopyTo(streamDu[length..]);
                        length += transport.Length;
                    }

                    context.SetDestination(streamDu[..length]);
                    context.ForcedSocket = socket;
                    context.FlowConnection = connection;
                }

                return;
            }

            if (module.FlowTimeout > 0)
            {
                long idle = module.Flows.IdleMs(flow, socket, Environment.TickCount64);
                if (idle > module.FlowTimeout * 1000L)
                {
                    context.FlowFailed = true;
                    return;
                }
            }

            Span<byte> du = stackalloc byte[72];
            "sip:"u8.CopyTo(du);
            if (flow.TryFormat(du[4..], out int n))
            {
                context.SetDestination(du[..(4 + n)]);
                context.ForcedSocket = socket;
            }

            return;
        }
    }
}
