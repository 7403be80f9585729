using FASTER.core;

namespace Hyperproxy.Location.Faster;

/// <summary>Sizes new RMW records from the updater's result, which <see cref="LocationFunctions"/>
/// computed in the Need*/InPlace callback that precedes every allocation.</summary>
internal sealed class LocationVarLen : IVariableLengthStruct<SpanByte, SpanByte>
{
    private readonly LocationFunctions _functions;

    public LocationVarLen(LocationFunctions functions) => _functions = functions;

    public int GetLength(ref SpanByte t, ref SpanByte input) => sizeof(int) + _functions.NewValueLength;

    public int GetInitialLength(ref SpanByte input) => sizeof(int) + _functions.NewValueLength;
}
