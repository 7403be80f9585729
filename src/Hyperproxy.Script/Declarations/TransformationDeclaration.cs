namespace Hyperproxy.Script.Declarations;

/// <summary>A transformation (<c>{uri.user}</c>, <c>{param.value,name}</c>) and its argument count.</summary>
public sealed class TransformationDeclaration
{
    public TransformationDeclaration(string name, int minArguments, int maxArguments)
    {
        Name = name;
        MinArguments = minArguments;
        MaxArguments = maxArguments;
    }

    public string Name { get; }

    public int MinArguments { get; }

    public int MaxArguments { get; }
}
