using System.Runtime.CompilerServices;
using Hyperproxy.Sip;

namespace Hyperproxy.Script.Runtime;

/// <summary>
/// What routing modules (rr, path, registrar) share with the server per message: <c>$rr_params</c>,
/// "the Route set has been processed" (forward() then does no Route work of its own), deferred
/// socket-dependent edits, and per-module message state.
/// </summary>
public sealed partial class ScriptContext
{
    private const int MaxDeferred = 8;
    private const int MaxRouteParams = 1024;

    private static int s_nextStateSlot = -1;

    private readonly IDeferredEdit?[] _deferred = new IDeferredEdit?[MaxDeferred];
    private readonly byte[] _routeParams = new byte[MaxRouteParams];
    private ModuleMessageState?[] _moduleStates = new ModuleMessageState?[8];
    private int _deferredCount;
    private int _routeParamsLength = -1;

    /// <summary>
    /// loose_route() (or another module) has done the Route processing of RFC 3261 §16.4/§16.6 for
    /// this message: the next hop is <c>$du</c>, else the Request-URI; forward() must not pop Routes.
    /// </summary>
    public bool RoutesProcessed { get; set; }

    /// <summary><c>$rr_params</c> is set (our Route entry was processed by loose_route).</summary>
    public bool HasRouteParams => _routeParamsLength >= 0;

    /// <summary><c>$rr_params</c>: the parameters of our processed Route URI without the leading ';'.</summary>
    public ReadOnlySpan<byte> RouteParams => _routeParamsLength >= 0 ? new ReadOnlySpan<byte>(_routeParams, 0, _routeParamsLength) : default;

    internal ScriptValue RouteParamsValue => _routeParamsLength >= 0 ? ScriptValue.FromBytes(_routeParams, 0, _routeParamsLength) : ScriptValue.Null;

    /// <summary>Number of deferred edits waiting for the send socket.</summary>
    public int DeferredCount => _deferredCount;

    /// <summary>Sets <c>$rr_params</c> (a leading ';' is dropped); false when too long.</summary>
    public bool SetRouteParams(ReadOnlySpan<byte> parameters)
    {
        if (!parameters.IsEmpty && parameters[0] == (byte)';')
        {
            parameters = parameters[1..];
        }

        if (parameters.Length > MaxRouteParams)
        {
            _routeParamsLength = -1;
            return false;
        }

        parameters.CopyTo(_routeParams);
        _routeParamsLength = parameters.Length;
        return true;
    }

    public void ClearRouteParams() => _routeParamsLength = -1;

    /// <summary>Registers an edit to complete when the send socket is known; false when the table is full or it is already there.</summary>
    public bool Defer(IDeferredEdit edit)
    {
        for (int i = 0; i < _deferredCount; i++)
        {
            if (ReferenceEquals(_deferred[i], edit))
            {
                return true;
            }
        }

        if (_deferredCount == MaxDeferred)
        {
            return false;
        }

        _deferred[_deferredCount++] = edit;
        return true;
    }

    /// <summary>
    /// Called by the server once per message when it leaves from <paramref name="sendSocket"/>, before
    /// its own Via is added: every deferred edit records its bytes, in the order they were deferred.
    /// A second call (a second branch) does nothing: stateless forwarding sends one copy.
    /// </summary>
    public SipError CompleteDeferred(int sendSocket)
    {
        int n = _deferredCount;
        _deferredCount = 0;
        for (int i = 0; i < n; i++)
        {
            IDeferredEdit edit = _deferred[i]!;
            _deferred[i] = null;
            SipError e = edit.Complete(this, sendSocket);
            if (e != SipError.None)
            {
                for (int j = i + 1; j < n; j++)
                {
                    _deferred[j] = null;
                }

                return e;
            }
        }

        return SipError.None;
    }

    /// <summary>The state of module type <typeparamref name="T"/> for the current message (created on first use, reset per message).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T ModuleState<T>()
        where T : ModuleMessageState, new()
    {
        int slot = ModuleStateSlot<T>.Index;
        ModuleMessageState?[] states = _moduleStates;
        ModuleMessageState? s = (uint)slot < (uint)states.Length ? states[slot] : null;
        if (s is null)
        {
            s = CreateState<T>(slot);
        }

        if (s.MessageId != MessageId)
        {
            s.MessageId = MessageId;
            s.Reset();
        }

        return Unsafe.As<T>(s);
    }

    /// <summary>
    /// Writes a socket's address as it goes into Record-Route/Path URIs (OpenSIPS SUBST_SND/RCV):
    /// the advertised host (for the sending socket, set_advertised_address() wins), <c>:port</c>
    /// unless it is 5060, and <c>;transport=x</c> for a socket that is not UDP. Returns the length
    /// written, or -1 when <paramref name="destination"/> is too small.
    /// </summary>
    public int WriteSocketAddress(int socket, bool sending, Span<byte> destination)
    {
        ReadOnlySpan<byte> host = sending && !AdvertisedAddress.IsEmpty ? AdvertisedAddress : Host.AdvertisedHost(socket);
        int port = sending && AdvertisedPort != 0 ? AdvertisedPort : Host.AdvertisedPort(socket);
        ReadOnlySpan<byte> transport = Host.SocketTransport(socket);
        int needed = host.Length + 6 + (transport.IsEmpty ? 0 : 11 + transport.Length);
        if (needed > destination.Length)
        {
            return -1;
        }

        host.CopyTo(destination);
        int n = host.Length;
        if (port != 5060)
        {
            destination[n++] = (byte)':';
            n += ScriptText.WriteInt(port, destination[n..]);
        }

        if (!transport.IsEmpty)
        {
            ";transport="u8.CopyTo(destination[n..]);
            n += 11;
            transport.CopyTo(destination[n..]);
            n += transport.Length;
        }

        return n;
    }

    /// <summary>True when two sockets differ in address, port or protocol (double Record-Route/Path).</summary>
    public bool SocketsDiffer(int a, int b)
    {
        if (a == b)
        {
            return false;
        }

        NetAddress x = Host.SocketAddress(a);
        NetAddress y = Host.SocketAddress(b);
        return !x.HostEquals(y) || x.Port != y.Port || !Host.SocketTransport(a).SequenceEqual(Host.SocketTransport(b));
    }

    internal static int NextStateSlot() => Interlocked.Increment(ref s_nextStateSlot);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private T CreateState<T>(int slot)
        where T : ModuleMessageState, new()
    {
        if (slot >= _moduleStates.Length)
        {
            Array.Resize(ref _moduleStates, Math.Max(slot + 1, _moduleStates.Length * 2));
        }

        var s = new T();
        _moduleStates[slot] = s;
        return s;
    }

    private void ResetRouting()
    {
        RoutesProcessed = false;
        _routeParamsLength = -1;
        for (int i = 0; i < _deferredCount; i++)
        {
            _deferred[i] = null;
        }

        _deferredCount = 0;
    }
}
