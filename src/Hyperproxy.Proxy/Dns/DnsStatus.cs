namespace Hyperproxy.Proxy.Dns;

/// <summary>The outcome of one query.</summary>
public enum DnsStatus
{
    /// <summary>Records of the type asked (after CNAMEs) are in <see cref="DnsAnswer.Records"/>.</summary>
    Ok,

    /// <summary>The name exists with no record of the type (NODATA) or does not exist (NXDOMAIN): a negative answer.</summary>
    NoRecords,

    /// <summary>The server failed, refused, or no server answered in time; or the answer was malformed.</summary>
    Failed,
}
