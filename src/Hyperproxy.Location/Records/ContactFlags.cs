namespace Hyperproxy.Location.Records;

/// <summary>usrloc flags of one binding.</summary>
[Flags]
public enum ContactFlags : uint
{
    None = 0,

    /// <summary>The UA is behind a NAT: its received address (or Path) is the way to reach it.</summary>
    Nat = 1,

    /// <summary>Kept in memory only (OpenSIPS FL_MEM); stored for parity, the store persists it anyway.</summary>
    MemoryOnly = 2,
}
