namespace Hyperproxy.Sip.Edits;

/// <summary>One recorded edit: delete <see cref="DeleteLength"/> bytes at <see cref="Position"/>, then insert arena bytes there.</summary>
internal readonly record struct SipEdit(int Position, int DeleteLength, int ArenaOffset, int InsertLength)
{
    public int End => Position + DeleteLength;
}
