using System.Runtime.CompilerServices;

namespace Hyperproxy.Location.Faster;

/// <summary>Calls a struct updater through a function pointer, so one non-generic FASTER functions
/// object can run any updater type without boxing or delegates.</summary>
internal static unsafe class UpdaterThunk<TUpdater> where TUpdater : struct, ILocationUpdater, allows ref struct
{
    public static UpdateDecision Invoke(void* state, ReadOnlySpan<byte> current, Span<byte> destination, out int length)
        => Unsafe.AsRef<TUpdater>(state).Update(current, destination, out length);
}
