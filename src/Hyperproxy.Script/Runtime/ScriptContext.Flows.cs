using Hyperproxy.Sip;

namespace Hyperproxy.Script.Runtime;

/// <summary>
/// RFC 5626 flows of the message in hand: the stream connection it arrived on, the connection a request for a flow must
/// leave by (the edge's flow token names it), "no new connection" for a flow the registrar itself holds, and the
/// alternative flows of the same instance that lookup() keeps back (tm tries them in turn when a flow fails, §5.3).
/// </summary>
public sealed partial class ScriptContext
{
    /// <summary>Alternative flows kept per message (lookup(): the older flows of each instance in the target set).</summary>
    public const int MaxFlowAlternates = 8;

    private readonly byte[] _altUris = new byte[MaxFlowAlternates * MaxBranchUri];
    private readonly byte[] _altDus = new byte[MaxFlowAlternates * MaxBranchUri];
    private readonly byte[] _altRoutes = new byte[MaxFlowAlternates * MaxBranchRoute];
    private readonly int[] _altUriLengths = new int[MaxFlowAlternates];
    private readonly int[] _altDuLengths = new int[MaxFlowAlternates];
    private readonly int[] _altRouteLengths = new int[MaxFlowAlternates];
    private readonly int[] _altPositions = new int[MaxFlowAlternates];
    private readonly int[] _altSockets = new int[MaxFlowAlternates];
    private readonly bool[] _altLocal = new bool[MaxFlowAlternates];
    private readonly bool[] _branchLocalFlow = new bool[MaxBranches];

    /// <summary>The stream connection the message arrived on (0: a datagram, or the host does not say).</summary>
    public long Connection { get; set; }

    /// <summary>
    /// The connection a request for an outbound flow must leave by (the edge's stream flow token names it): sent on it
    /// while it lives, else forward()/t_relay() fail with 430 Flow Failed; never a new connection. 0: none.
    /// </summary>
    public long FlowConnection { get; set; }

    /// <summary>
    /// The next hop is a flow this proxy holds itself (lookup() of an outbound binding registered directly with us over
    /// TCP/TLS): only a live connection to it is used, never a new one; none → 430 Flow Failed.
    /// </summary>
    public bool NoNewConnection { get; set; }

    /// <summary>Alternative flows kept for tm (see <see cref="AddFlowAlternate"/>).</summary>
    public int FlowAlternateCount { get; private set; }

    /// <summary>
    /// Keeps another flow of an instance whose newest flow is in the target set at <paramref name="position"/> (0: the
    /// Request-URI branch, i + 1: destination-set branch i), newest first: if that branch fails with 430 (or never
    /// leaves because its flow is gone), tm sends the request down this one. False when full or a part does not fit.
    /// </summary>
    public bool AddFlowAlternate(int position, ReadOnlySpan<byte> uri, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> routeLine,
        int socket, bool localFlow)
    {
        if (FlowAlternateCount == MaxFlowAlternates || uri.IsEmpty || uri.Length > MaxBranchUri || destination.Length > MaxBranchUri
            || routeLine.Length > MaxBranchRoute)
        {
            return false;
        }

        int i = FlowAlternateCount++;
        uri.CopyTo(_altUris.AsSpan(i * MaxBranchUri));
        destination.CopyTo(_altDus.AsSpan(i * MaxBranchUri));
        routeLine.CopyTo(_altRoutes.AsSpan(i * MaxBranchRoute));
        _altUriLengths[i] = uri.Length;
        _altDuLengths[i] = destination.Length;
        _altRouteLengths[i] = routeLine.Length;
        _altPositions[i] = position;
        _altSockets[i] = socket;
        _altLocal[i] = localFlow;
        return true;
    }

    public int FlowAlternatePosition(int index) => _altPositions[index];

    public ReadOnlySpan<byte> FlowAlternateUri(int index) => _altUris.AsSpan(index * MaxBranchUri, _altUriLengths[index]);

    public ReadOnlySpan<byte> FlowAlternateDestination(int index) => _altDus.AsSpan(index * MaxBranchUri, _altDuLengths[index]);

    public ReadOnlySpan<byte> FlowAlternateRouteLine(int index) => _altRoutes.AsSpan(index * MaxBranchRoute, _altRouteLengths[index]);

    /// <summary>The socket the alternative flow's REGISTER came in on (-1: none).</summary>
    public int FlowAlternateSocket(int index) => _altSockets[index];

    /// <summary>The alternative is a flow this proxy holds itself (<see cref="NoNewConnection"/> applies to it).</summary>
    public bool FlowAlternateIsLocal(int index) => _altLocal[index];

    /// <summary>Destination-set branch <paramref name="index"/> is a flow this proxy holds itself (<see cref="NoNewConnection"/>).</summary>
    public bool BranchIsLocalFlow(int index) => _branchLocalFlow[index];

    /// <summary>Marks the destination-set branch added last as a flow this proxy holds itself.</summary>
    public void MarkLastBranchLocalFlow()
    {
        if (BranchCount > 0)
        {
            _branchLocalFlow[BranchCount - 1] = true;
        }
    }

    /// <summary>Forgets the alternatives (tm has taken them).</summary>
    public void ClearFlowAlternates() => FlowAlternateCount = 0;

    private void ResetFlows()
    {
        Connection = 0;
        FlowConnection = 0;
        NoNewConnection = false;
        FlowAlternateCount = 0;
    }
}
