namespace Hyperproxy.Location;

/// <summary>Outcome of <see cref="ILocationSession.Read"/>.</summary>
public enum ReadStatus : byte
{
    /// <summary>The record was copied into the buffer.</summary>
    Found,

    /// <summary>The AoR has no record.</summary>
    NotFound,

    /// <summary>The buffer is smaller than the record; <c>length</c> says how much is needed.</summary>
    BufferTooSmall,

    /// <summary>The store failed the read (I/O error).</summary>
    Failed,

    /// <summary><see cref="IFetchingSession.ReadOrFetch"/>: the record is being fetched; ask again once
    /// <see cref="IFetchingSession.HasAnswers"/> says so.</summary>
    Pending,
}
