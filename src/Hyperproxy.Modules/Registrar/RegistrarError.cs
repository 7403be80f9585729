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

    /// <summary>RFC 5626 §6: outbound asked for (Supported: outbound and reg-id) but the first hop did not do it: 439.</summary>
    FirstHopLacksOutbound,

    /// <summary><c>outbound_mode</c> 2 and the UA does not support outbound: 421 with <c>Require: outbound</c>.</summary>
    OutboundRequired,

    /// <summary>A Contact with <c>reg-id</c> but no <c>+sip.instance</c>, or a reg-id that is not a number: 400.</summary>
    BadRegId,
}
