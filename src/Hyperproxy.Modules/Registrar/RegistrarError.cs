namespace Hyperproxy.Modules.Registrar;

/// <summary>Why save() failed (OpenSIPS <c>lib/reg/rerrno.c</c>); mapped to a status and a <c>P-Registrar-Error</c> text by <see cref="RegistrarErrors"/>.</summary>
public enum RegistrarError : byte
{
    None,
    Internal,
    StoreFailed,
    AorTooLong,
    InvalidCSeq,
    AorParse,
    AorUnescape,
    InvalidQ,
    InvalidExpires,
    ToMissing,
    CallIdMissing,
    CSeqMissing,
    ExpiresParse,
    ContactParse,
    PathParse,
    StarExpiresNotZero,
    StarMoreContacts,
    ContactTooLong,
    CallIdTooLong,
    TooManyContacts,
    PathNotSupported,
}
