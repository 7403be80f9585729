namespace Hyperproxy.Sip;

/// <summary>Byte literals used across the SIP code.</summary>
public static class SipStrings
{
    public static ReadOnlySpan<byte> Invite => "INVITE"u8;
    public static ReadOnlySpan<byte> Ack => "ACK"u8;
    public static ReadOnlySpan<byte> Bye => "BYE"u8;
    public static ReadOnlySpan<byte> Cancel => "CANCEL"u8;
    public static ReadOnlySpan<byte> Options => "OPTIONS"u8;
    public static ReadOnlySpan<byte> Register => "REGISTER"u8;
    public static ReadOnlySpan<byte> Prack => "PRACK"u8;
    public static ReadOnlySpan<byte> Subscribe => "SUBSCRIBE"u8;
    public static ReadOnlySpan<byte> Notify => "NOTIFY"u8;
    public static ReadOnlySpan<byte> Publish => "PUBLISH"u8;
    public static ReadOnlySpan<byte> Info => "INFO"u8;
    public static ReadOnlySpan<byte> Refer => "REFER"u8;
    public static ReadOnlySpan<byte> Message => "MESSAGE"u8;
    public static ReadOnlySpan<byte> Update => "UPDATE"u8;

    public static ReadOnlySpan<byte> SipVersion => "SIP/2.0"u8;
    public static ReadOnlySpan<byte> Crlf => "\r\n"u8;
    public static ReadOnlySpan<byte> TagParam => ";tag="u8;
    public static ReadOnlySpan<byte> ContentLengthZero => "Content-Length: 0\r\n"u8;

    /// <summary>Recognises a method token (methods are case-sensitive, RFC 3261 §7.1).</summary>
    public static SipMethod ParseMethod(ReadOnlySpan<byte> m) => m.Length switch
    {
        3 when m.SequenceEqual(Ack) => SipMethod.Ack,
        3 when m.SequenceEqual(Bye) => SipMethod.Bye,
        4 when m.SequenceEqual(Info) => SipMethod.Info,
        5 when m.SequenceEqual(Prack) => SipMethod.Prack,
        5 when m.SequenceEqual(Refer) => SipMethod.Refer,
        6 when m.SequenceEqual(Invite) => SipMethod.Invite,
        6 when m.SequenceEqual(Cancel) => SipMethod.Cancel,
        6 when m.SequenceEqual(Notify) => SipMethod.Notify,
        6 when m.SequenceEqual(Update) => SipMethod.Update,
        7 when m.SequenceEqual(Options) => SipMethod.Options,
        7 when m.SequenceEqual(Publish) => SipMethod.Publish,
        7 when m.SequenceEqual(Message) => SipMethod.Message,
        8 when m.SequenceEqual(Register) => SipMethod.Register,
        9 when m.SequenceEqual(Subscribe) => SipMethod.Subscribe,
        _ => SipMethod.Unknown,
    };

    /// <summary>The method name bytes of a known method (empty for Unknown).</summary>
    public static ReadOnlySpan<byte> MethodName(SipMethod method) => method switch
    {
        SipMethod.Invite => Invite,
        SipMethod.Ack => Ack,
        SipMethod.Bye => Bye,
        SipMethod.Cancel => Cancel,
        SipMethod.Options => Options,
        SipMethod.Register => Register,
        SipMethod.Prack => Prack,
        SipMethod.Subscribe => Subscribe,
        SipMethod.Notify => Notify,
        SipMethod.Publish => Publish,
        SipMethod.Info => Info,
        SipMethod.Refer => Refer,
        SipMethod.Message => Message,
        SipMethod.Update => Update,
        _ => default,
    };
}
