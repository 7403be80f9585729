namespace Hyperproxy.Sip;

/// <summary>Request methods; <see cref="Unknown"/> is any extension method (its bytes are in the message).</summary>
public enum SipMethod : byte
{
    Unknown = 0,
    Invite,
    Ack,
    Bye,
    Cancel,
    Options,
    Register,
    Prack,
    Subscribe,
    Notify,
    Publish,
    Info,
    Refer,
    Message,
    Update,
}
