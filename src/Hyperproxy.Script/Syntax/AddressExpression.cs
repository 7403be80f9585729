using System.Net;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script.Syntax;

/// <summary>An IP literal (<c>192.0.2.1</c>, <c>::1</c>) or network (<c>10.0.0.0/8</c>).</summary>
public sealed class AddressExpression : Expression
{
    public AddressExpression(SourceLocation location, IPAddress address, int prefixLength, string text)
        : base(location)
    {
        Address = address;
        PrefixLength = prefixLength;
        Text = text;
    }

    public IPAddress Address { get; }

    /// <summary>Prefix length for a network; -1 for a single address.</summary>
    public int PrefixLength { get; }

    public bool IsNetwork => PrefixLength >= 0;

    public string Text { get; }
}
