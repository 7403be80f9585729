namespace Hyperproxy.Modules.Dispatcher;

/// <summary>The hash of the hash algorithms (FNV-1a, 32 bits; ASCII case kept as OpenSIPS keeps it).</summary>
internal static class DispatcherHash
{
    public const uint Seed = 2166136261;

    public static uint Add(uint h, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            h = (h ^ b) * 16777619;
        }

        return h;
    }

    public static uint Add(uint h, int value)
    {
        for (int i = 0; i < 4; i++)
        {
            h = (h ^ (byte)(value >> (8 * i))) * 16777619;
        }

        return h;
    }

    /// <summary>A final mix so that nearby keys (Call-IDs differing in one digit) spread over small moduli.</summary>
    public static uint Finish(uint h)
    {
        h ^= h >> 16;
        h *= 0x7feb352d;
        h ^= h >> 15;
        h *= 0x846ca68b;
        h ^= h >> 16;
        return h;
    }
}
