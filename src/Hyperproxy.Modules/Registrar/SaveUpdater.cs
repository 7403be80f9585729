using Hyperproxy.Location;

namespace Hyperproxy.Modules.Registrar;

/// <summary>The struct the store inlines into its read-modify-write; the work is in <see cref="RegistrarState.Apply"/>.</summary>
internal struct SaveUpdater : IParkedUpdater
{
    public RegistrarState State;

    /// <summary>The registrar's error of the run (kept with a parked write: the reply needs it).</summary>
    public readonly int Note => (int)State.Error;

    public readonly UpdateDecision Update(ReadOnlySpan<byte> current, Span<byte> destination, out int length) =>
        State.Apply(current, destination, out length);
}

/// <summary>save() with <c>Contact: *</c> on a store whose writes are parked: every binding goes (the AoR is deleted).</summary>
internal struct StarUpdater : IParkedUpdater
{
    public readonly int Note => 0;

    public readonly UpdateDecision Update(ReadOnlySpan<byte> current, Span<byte> destination, out int length)
    {
        length = 0;
        return UpdateDecision.Delete;
    }
}
