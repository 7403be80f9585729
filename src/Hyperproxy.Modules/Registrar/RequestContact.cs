using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Registrar;

/// <summary>One Contact URI of a REGISTER as save() reads it before touching the store.</summary>
internal struct RequestContact
{
    /// <summary>The URI (message offsets).</summary>
    public TextRange Uri;

    /// <summary>Seconds to live after clamping; 0 = remove the binding.</summary>
    public int Expires;

    /// <summary>q in thousandths, -1 unspecified.</summary>
    public short Q;

    /// <summary>The contact's own <c>received</c> parameter (unquoted), or None.</summary>
    public TextRange Received;

    /// <summary><c>+sip.instance</c> as written, or None.</summary>
    public TextRange Instance;

    /// <summary>RFC 5626 <c>reg-id</c>, -1 when absent (or when outbound does not apply to this REGISTER).</summary>
    public int RegId;
}
