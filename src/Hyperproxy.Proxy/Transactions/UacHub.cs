using System.Text.Json.Nodes;
using Hyperproxy.Modules.Tm;
using Hyperproxy.Script.Management;
using Hyperproxy.Script.Tracing;

namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// tm's locally originated transactions (MI <c>t_uac_dlg</c>; OpenSIPS's <c>t_uac</c>): the management thread builds the
/// request (<see cref="UacBuilder"/>) and puts it in one worker's <see cref="UacRing"/> (round robin); that worker owns
/// the client transaction — branch id, Timer A/E retransmissions over UDP, Timer B/F (fr_timeout → 408), the ACK of a
/// negative INVITE final — exactly as a branch of a relayed request, and hands the final back through the request's
/// completion. The answer is shaped here, off the worker (<see cref="UacResult"/>).
/// </summary>
public sealed class UacHub : ITmUac
{
    private readonly UacRing[] _rings;
    private readonly ProxyIdentity _identity;
    private int _next;

    public UacHub(int workers, ProxyIdentity identity, TraceHub? tracer)
    {
        _rings = new UacRing[workers];
        for (int i = 0; i < workers; i++)
        {
            _rings[i] = new UacRing();
        }

        _identity = identity;
        Tracer = tracer;
    }

    /// <summary>The tracer's rings when the script loads tracer: UAC transactions are traced to its first trace_id while tracing is on.</summary>
    public TraceHub? Tracer { get; }

    /// <summary>How a host name of ruri/next_hop becomes addresses (the system resolver by default; tests replace it).</summary>
    public Func<string, System.Net.IPAddress[]> Resolve { get; init; } = static host => System.Net.Dns.GetHostAddresses(host);

    public UacRing Ring(int worker) => _rings[worker];

    public Task<JsonNode?> Start(TmUacCall call)
    {
        int traceId = Tracer is { Enabled: true } ? 1 : 0;
        UacRequest request = UacBuilder.Build(call, _identity, Resolve, traceId);
        int first = _next;
        for (int i = 0; i < _rings.Length; i++)
        {
            int w = (first + i) % _rings.Length;
            if (_rings[w].TryEnqueue(request))
            {
                _next = (w + 1) % _rings.Length;
                return Answer(request);
            }
        }

        throw new MiException(500, "MI/UAC failed: every worker's queue of local requests is full");
    }

    private static async Task<JsonNode?> Answer(UacRequest request)
    {
        await request.Completion.Task.ConfigureAwait(false);
        return UacResult.Format(request);
    }
}
