using Hyperproxy.Location;

namespace Hyperproxy.Modules.Registrar;

/// <summary>The struct the store inlines into its read-modify-write; the work is in <see cref="RegistrarState.Apply"/>.</summary>
internal struct SaveUpdater : ILocationUpdater
{
    public RegistrarState State;

    public readonly UpdateDecision Update(ReadOnlySpan<byte> current, Span<byte> destination, out int length) =>
        State.Apply(current, destination, out length);
}
