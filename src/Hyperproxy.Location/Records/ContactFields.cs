namespace Hyperproxy.Location.Records;

/// <summary>The fixed-size fields of one binding, as written by <see cref="LocationRecordWriter"/>.</summary>
public struct ContactFields
{
    /// <summary>Absolute expiry, unix seconds; 0 = permanent.</summary>
    public long Expires;

    /// <summary>Unix seconds of the last change.</summary>
    public long LastModified;

    public uint CSeq;

    /// <summary>q in thousandths (0..1000), -1 = unspecified (sorts below q=0).</summary>
    public short Q;

    /// <summary>Index of the listening socket the REGISTER arrived on.</summary>
    public ushort Socket;

    public ContactFlags Flags;

    /// <summary>Branch flags (OpenSIPS cflags) as a bit mask.</summary>
    public uint BranchFlags;

    /// <summary>Allowed methods bit mask (0 = not known, treat as all).</summary>
    public uint Methods;

    /// <summary>RFC 5626 reg-id, -1 when absent.</summary>
    public int RegId;

    public static ContactFields Create(long expires, long lastModified, uint cseq)
        => new() { Expires = expires, LastModified = lastModified, CSeq = cseq, Q = -1, RegId = -1 };
}
