namespace Hyperproxy.Script.Management;

/// <summary>
/// An MI error answer: a JSON-RPC code (-32602 bad params, -32000 server error) or a command's own
/// (usrloc's 404 "AOR not found", 400 "Bad parameter value", 500 "Internal Error").
/// </summary>
public sealed class MiException : Exception
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int ServerError = -32000;

    public MiException(int code, string message)
        : base(message)
    {
        Code = code;
    }

    public int Code { get; }

    public static MiException BadParams(string why) => new(InvalidParams, why);
}
