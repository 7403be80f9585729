using Hyperproxy.Sip;

namespace Hyperproxy.Script.Runtime;

/// <summary>
/// The destination set of the message (OpenSIPS's branches beyond branch 0): append_branch() and lookup() add a
/// Request-URI with its next hop (<c>$du</c>, empty for none) and, for a contact registered with a Path, the Route
/// header line that pre-loads it (RFC 3327 §5.3), in insertion order; tm's t_relay() forks to branch 0 and then to
/// each of these in parallel. At most <see cref="MaxBranches"/>; buffers kept between messages.
/// </summary>
public sealed partial class ScriptContext
{
    /// <summary>Branches beyond branch 0 (tm sends at most 12 in all).</summary>
    public const int MaxBranches = 11;

    private const int MaxBranchUri = 512;
    private const int MaxBranchRoute = 2048;
    private readonly byte[] _branchUris = new byte[MaxBranches * MaxBranchUri];
    private readonly byte[] _branchDus = new byte[MaxBranches * MaxBranchUri];
    private readonly byte[] _branchRoutes = new byte[MaxBranches * MaxBranchRoute];
    private readonly int[] _branchUriLengths = new int[MaxBranches];
    private readonly int[] _branchDuLengths = new int[MaxBranches];
    private readonly int[] _branchRouteLengths = new int[MaxBranches];

    private readonly byte[] _preloadedRoute = new byte[MaxBranchRoute];
    private int _preloadedRouteLength;

    /// <summary>
    /// The Route header line the message gets on top of its Route set when it leaves on branch 0 (lookup()'s Path of
    /// the chosen contact, RFC 3327 §5.3); empty for none. Per message; each further branch has its own
    /// (<see cref="BranchRouteLine"/>).
    /// </summary>
    public ReadOnlySpan<byte> PreloadedRoute => _preloadedRoute.AsSpan(0, _preloadedRouteLength);

    /// <summary>Sets (or, empty, clears) <see cref="PreloadedRoute"/>; false when the line does not fit.</summary>
    public bool SetPreloadedRoute(ReadOnlySpan<byte> line)
    {
        if (line.Length > MaxBranchRoute)
        {
            return false;
        }

        line.CopyTo(_preloadedRoute);
        _preloadedRouteLength = line.Length;
        return true;
    }

    /// <summary>
    /// Called by the server as the message leaves on a branch, after <see cref="CompleteDeferred"/> (tm: after the edits
    /// common to every branch): puts <see cref="PreloadedRoute"/> on top of the Route set.
    /// </summary>
    public SipError AddPreloadedRoute() => _preloadedRouteLength == 0 ? SipError.None : Edits.AddTopRoute(PreloadedRoute);

    /// <summary>Branches in the destination set (beyond branch 0).</summary>
    public int BranchCount { get; private set; }

    /// <summary>
    /// Adds a branch; <paramref name="routeLine"/> is a whole <c>Route: ...\r\n</c> line the branch's request gets on
    /// top of its Route set (empty for none). False when the set is full or a part does not fit.
    /// </summary>
    public bool AppendBranch(ReadOnlySpan<byte> uri, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> routeLine = default)
    {
        if (BranchCount == MaxBranches || uri.IsEmpty || uri.Length > MaxBranchUri || destination.Length > MaxBranchUri
            || routeLine.Length > MaxBranchRoute)
        {
            return false;
        }

        int i = BranchCount++;
        uri.CopyTo(_branchUris.AsSpan(i * MaxBranchUri));
        destination.CopyTo(_branchDus.AsSpan(i * MaxBranchUri));
        routeLine.CopyTo(_branchRoutes.AsSpan(i * MaxBranchRoute));
        _branchUriLengths[i] = uri.Length;
        _branchDuLengths[i] = destination.Length;
        _branchRouteLengths[i] = routeLine.Length;
        _branchLocalFlow[i] = false;
        return true;
    }

    public ReadOnlySpan<byte> BranchUri(int index) => _branchUris.AsSpan(index * MaxBranchUri, _branchUriLengths[index]);

    public ReadOnlySpan<byte> BranchDestination(int index) => _branchDus.AsSpan(index * MaxBranchUri, _branchDuLengths[index]);

    /// <summary>The branch's pre-loaded Route header line (a registered Path), empty for none.</summary>
    public ReadOnlySpan<byte> BranchRouteLine(int index) => _branchRoutes.AsSpan(index * MaxBranchRoute, _branchRouteLengths[index]);

    /// <summary>Empties the destination set (a new message, or once t_relay has used it).</summary>
    public void ClearBranches() => BranchCount = 0;

    /// <summary>Lets the next write record the Request-URI again (tm writes one copy per branch).</summary>
    public void ForgetRequestUriCommit() => _ruriCommitted = false;
}
