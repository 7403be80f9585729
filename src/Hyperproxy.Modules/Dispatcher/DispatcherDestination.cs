using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Dispatcher;

/// <summary>
/// One row of the <c>dispatcher</c> table as loaded: the URI as written (MI, ds_set_state), the <c>$du</c> form
/// (user, password and headers stripped), its <c>host[:port]</c> (ds_select_domain), the resolved addresses, and the
/// row's socket, weight, priority, attrs and description. Immutable; the state lives in <see cref="DispatcherSnapshot"/>.
/// </summary>
public sealed class DispatcherDestination
{
    public DispatcherDestination(int index, int setId, string uri, byte[] du, byte[] hostPort, NetAddress[] addresses, int port,
        string? socket, int state, int probeMode, int weight, int priority, byte[] attrs, string description, int line)
    {
        Index = index;
        SetId = setId;
        Uri = uri;
        Du = du;
        HostPort = hostPort;
        Addresses = addresses;
        Port = port;
        Socket = socket;
        SocketBytes = socket is null ? null : System.Text.Encoding.ASCII.GetBytes(socket);
        InitialState = state;
        ProbeMode = probeMode;
        Weight = weight;
        Priority = priority;
        Attrs = attrs;
        Description = description;
        Line = line;
    }

    /// <summary>Position in <see cref="DispatcherData.All"/> (the index of its state).</summary>
    public int Index { get; }

    public int SetId { get; }

    /// <summary>The destination as written in the table.</summary>
    public string Uri { get; }

    /// <summary>What ds_select_dst puts in <c>$du</c>: <c>scheme:host[:port][;params]</c>.</summary>
    public byte[] Du { get; }

    /// <summary>What ds_select_domain puts in the Request-URI: <c>host[:port]</c>.</summary>
    public byte[] HostPort { get; }

    /// <summary>The host's addresses with the port of the URI (5060 when absent).</summary>
    public NetAddress[] Addresses { get; }

    /// <summary>The URI's port, 0 when it has none (ds_is_in_list: any port).</summary>
    public int Port { get; }

    /// <summary>The row's <c>socket</c> (<c>proto:ip:port</c>), or null.</summary>
    public string? Socket { get; }

    public byte[]? SocketBytes { get; }

    public int InitialState { get; }

    /// <summary>1: probe even while active (the row's <c>probe_mode</c>).</summary>
    public int ProbeMode { get; }

    public int Weight { get; }

    public int Priority { get; }

    public byte[] Attrs { get; }

    public string Description { get; }

    /// <summary>The line of the table file it came from.</summary>
    public int Line { get; }
}
