using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Sip;

/// <summary>A parsed list element kept on the message, with where the list goes on after it.</summary>
internal struct ListElement
{
    public NameAddr Value;

    /// <summary>Index of the header line the element is in.</summary>
    public int HeaderIndex;

    /// <summary>Where the next element's search starts (just past the ',' or past the header value).</summary>
    public int Next;

    /// <summary>End of the header value the element is in.</summary>
    public int End;
}
