using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Registrar;

/// <summary>Method sets of bindings (usrloc <c>methods</c>): a bit per known method; 0 means "all".</summary>
internal static class MethodMask
{
    /// <summary>The request's Allow header as a mask; 0 (all methods) without one.</summary>
    public static uint FromAllow(SipMessage m)
    {
        uint mask = 0;
        foreach (HeaderValue v in m.Values(HeaderId.Allow))
        {
            mask |= Bit(m.Span(v.Value));
        }

        return mask;
    }

    /// <summary>True when a binding with <paramref name="mask"/> accepts <paramref name="method"/>.</summary>
    public static bool Allows(uint mask, SipMethod method) => mask == 0 || method == SipMethod.Unknown || (mask & (1u << (int)method)) != 0;

    private static uint Bit(ReadOnlySpan<byte> name)
    {
        SipMethod method = name switch
        {
            _ when SipText.EqualsIgnoreCase(name, SipStrings.Invite) => SipMethod.Invite,
            _ when SipText.EqualsIgnoreCase(name, SipStrings.Ack) => SipMethod.Ack,
            _ when SipText.EqualsIgnoreCase(name, SipStrings.Bye) => SipMethod.Bye,
            _ when SipText.EqualsIgnoreCase(name, SipStrings.Cancel) => SipMethod.Cancel,
            _ when SipText.EqualsIgnoreCase(name, SipStrings.Options) => SipMethod.Options,
            _ when SipText.EqualsIgnoreCase(name, SipStrings.Register) => SipMethod.Register,
            _ when SipText.EqualsIgnoreCase(name, SipStrings.Prack) => SipMethod.Prack,
            _ when SipText.EqualsIgnoreCase(name, SipStrings.Subscribe) => SipMethod.Subscribe,
            _ when SipText.EqualsIgnoreCase(name, SipStrings.Notify) => SipMethod.Notify,
            _ when SipText.EqualsIgnoreCase(name, "PUBLISH"u8) => SipMethod.Publish,
            _ when SipText.EqualsIgnoreCase(name, "INFO"u8) => SipMethod.Info,
            _ when SipText.EqualsIgnoreCase(name, "REFER"u8) => SipMethod.Refer,
            _ when SipText.EqualsIgnoreCase(name, "MESSAGE"u8) => SipMethod.Message,
            _ when SipText.EqualsIgnoreCase(name, "UPDATE"u8) => SipMethod.Update,
            _ => SipMethod.Unknown,
        };
        return method == SipMethod.Unknown ? 0 : 1u << (int)method;
    }
}
