namespace Hyperproxy.Modules.Registrar;

/// <summary>The status code, reason phrase and <c>P-Registrar-Error</c> text of each <see cref="RegistrarError"/> (spec §4.5).</summary>
public static class RegistrarErrors
{
    public static int StatusCode(RegistrarError error) => error switch
    {
        RegistrarError.None => 200,
        RegistrarError.Internal or RegistrarError.StoreFailed or RegistrarError.AorTooLong => 500,
        RegistrarError.TooManyContacts => 503,
        RegistrarError.PathNotSupported => 420,
        RegistrarError.OutboundRequired => 421,
        RegistrarError.FirstHopLacksOutbound => 439,
        _ => 400,
    };

    public static ReadOnlySpan<byte> ReasonPhrase(RegistrarError error) => StatusCode(error) switch
    {
        200 => "OK"u8,
        500 => "Server Internal Error"u8,
        503 => "Service Unavailable"u8,
        420 => "Bad Extension"u8,
        421 => "Extension Required"u8,
        439 => "First Hop Lacks Outbound Support"u8,
        _ => "Bad Request"u8,
    };

    /// <summary>The <c>P-Registrar-Error</c> value.</summary>
    public static ReadOnlySpan<byte> Text(RegistrarError error) => error switch
    {
        RegistrarError.Internal => "Server Internal Error"u8,
        RegistrarError.StoreFailed => "usrloc_record_get failed"u8,
        RegistrarError.AorTooLong => "Address Of Record too long"u8,
        RegistrarError.InvalidCSeq => "Invalid CSeq number"u8,
        RegistrarError.AorParse => "Error while parsing AOR"u8,
        RegistrarError.AorUnescape => "Error while unescaping username"u8,
        RegistrarError.InvalidQ => "Invalid q param in contact"u8,
        RegistrarError.InvalidExpires => "Invalid expires param in contact"u8,
        RegistrarError.ToMissing => "To header not found"u8,
        RegistrarError.CallIdMissing => "Call-ID header not found"u8,
        RegistrarError.CSeqMissing => "CSeq header not found"u8,
        RegistrarError.ExpiresParse => "Expires parse error"u8,
        RegistrarError.ContactParse => "Contact parse error"u8,
        RegistrarError.PathParse => "Path parse error"u8,
        RegistrarError.StarExpiresNotZero => "* used in contact and expires is not zero"u8,
        RegistrarError.StarMoreContacts => "* used in contact and more than 1 contact"u8,
        RegistrarError.ContactTooLong => "Contact/received too long"u8,
        RegistrarError.CallIdTooLong => "Callid too long"u8,
        RegistrarError.TooManyContacts => "Too many registered contacts"u8,
        RegistrarError.PathNotSupported => "No support for found Path indicated"u8,
        RegistrarError.FirstHopLacksOutbound => "First hop lacks outbound support"u8,
        RegistrarError.OutboundRequired => "Outbound required"u8,
        RegistrarError.BadRegId => "reg-id without +sip.instance or not a number"u8,
        _ => default,
    };
}
