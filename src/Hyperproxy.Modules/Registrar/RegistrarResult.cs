namespace Hyperproxy.Modules.Registrar;

/// <summary>What save() and lookup() return (OpenSIPS's codes, spec §4.3 step 10 and §4.5).</summary>
public static class RegistrarResult
{
    /// <summary>save(): bindings stored and the reply sent. lookup(): the request was routed to a binding.</summary>
    public const int Ok = 1;

    /// <summary>lookup(): the AoR is unknown or has no valid binding.</summary>
    public const int NotFound = -1;

    /// <summary>save(): stored, but sending the reply failed.</summary>
    public const int ReplyNotSent = -1;

    /// <summary>save(): refused, the error reply was sent.</summary>
    public const int SaveError = -2;

    /// <summary>lookup(): valid bindings exist but none allows the method (method-filtering).</summary>
    public const int MethodNotAllowed = -2;

    /// <summary>lookup(): internal error (no Call-ID, bad AoR, store failure, routing failed).</summary>
    public const int InternalError = -3;
}
