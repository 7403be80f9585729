namespace Hyperproxy.Script.Runtime;

/// <summary>
/// The destination set of the message (OpenSIPS's branches beyond branch 0): append_branch() and lookup() add a
/// Request-URI with its next hop (<c>$du</c>, empty for none), in insertion order; tm's t_relay() forks to branch 0
/// and then to each of these in parallel. At most <see cref="MaxBranches"/>; buffers kept between messages.
/// </summary>
public sealed partial class ScriptContext
{
    /// <summary>Branches beyond branch 0 (tm sends at most 12 in all).</summary>
    public const int MaxBranches = 11;

    private const int MaxBranchUri = 512;
    private readonly byte[] _branchUris = new byte[MaxBranches * MaxBranchUri];
    private readonly byte[] _branchDus = new byte[MaxBranches * MaxBranchUri];
    private readonly int[] _branchUriLengths = new int[MaxBranches];
    private readonly int[] _branchDuLengths = new int[MaxBranches];

    /// <summary>Branches in the destination set (beyond branch 0).</summary>
    public int BranchCount { get; private set; }

    /// <summary>Adds a branch; false when the set is full or a URI does not fit.</summary>
    public bool AppendBranch(ReadOnlySpan<byte> uri, ReadOnlySpan<byte> destination)
    {
        if (BranchCount == MaxBranches || uri.IsEmpty || uri.Length > MaxBranchUri || destination.Length > MaxBranchUri)
        {
            return false;
        }

        int i = BranchCount++;
        uri.CopyTo(_branchUris.AsSpan(i * MaxBranchUri));
        destination.CopyTo(_branchDus.AsSpan(i * MaxBranchUri));
        _branchUriLengths[i] = uri.Length;
        _branchDuLengths[i] = destination.Length;
        return true;
    }

    public ReadOnlySpan<byte> BranchUri(int index) => _branchUris.AsSpan(index * MaxBranchUri, _branchUriLengths[index]);

    public ReadOnlySpan<byte> BranchDestination(int index) => _branchDus.AsSpan(index * MaxBranchUri, _branchDuLengths[index]);

    /// <summary>Empties the destination set (a new message, or once t_relay has used it).</summary>
    public void ClearBranches() => BranchCount = 0;

    /// <summary>Lets the next write record the Request-URI again (tm writes one copy per branch).</summary>
    public void ForgetRequestUriCommit() => _ruriCommitted = false;
}
