namespace Hyperproxy.Sip;

public enum UriScheme : byte
{
    Other = 0,
    Sip,
    Sips,
    Tel,
}
