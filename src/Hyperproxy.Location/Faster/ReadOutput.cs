namespace Hyperproxy.Location.Faster;

/// <summary>Read output: a caller-owned, pinned buffer the record is copied into.</summary>
internal unsafe struct ReadOutput
{
    public byte* Buffer;
    public int Capacity;
    public int Length;
    public bool TooSmall;
}
