namespace Hyperproxy.Modules.Sanity;

/// <summary>The msg_checks bits of Kamailio 5.6's sanity module (<c>sanity_chk.h</c>); their sum selects the checks.</summary>
[Flags]
public enum SanityCheck
{
    None = 0,
    RuriSipVersion = 1,
    RuriScheme = 2,
    RequiredHeaders = 4,
    ViaSipVersion = 8,
    ViaProtocol = 16,
    CSeqMethod = 32,
    CSeqValue = 64,
    ContentLength = 128,
    ExpiresValue = 256,
    ProxyRequire = 512,
    ParseUris = 1024,
    DigestCredentials = 2048,
    DuplicateTags = 4096,
    Authorization = 8192,
    FirstVia = 16384,

    /// <summary><c>default_checks</c>: 1+2+4+32+64+128+256+512+2048.</summary>
    Default = 3047,
    All = 32767,
}

/// <summary>The uri_checks bits: which URIs <see cref="SanityCheck.ParseUris"/> parses.</summary>
[Flags]
public enum SanityUri
{
    None = 0,
    RequestUri = 1,
    From = 2,
    To = 4,
    Contact = 8,
    Default = 7,
    All = 15,
}
