namespace Hyperproxy.Location.Redis.Resp;

/// <summary>The RESP2 reply types the store meets.</summary>
internal enum RespType : byte
{
    Simple,
    Error,
    Integer,
    Bulk,
    Null,
    Array,
}
