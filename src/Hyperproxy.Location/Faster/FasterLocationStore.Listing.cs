using System.Text;

namespace Hyperproxy.Location.Faster;

// ul_dump's scan: every key of a live record, once, for the management thread.
public sealed partial class FasterLocationStore : ILocationListing
{
    public IReadOnlyList<byte[]> ListAors()
    {
        lock (_maintenanceLock)
        {
            if (_disposed)
                return [];
            var batch = new KeyBatch();
            var collector = new KeyCollector { Batch = batch };
            _kv.Log.Scan(ref collector, _kv.Log.BeginAddress, _kv.Log.TailAddress);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var aors = new List<byte[]>(batch.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                ReadOnlySpan<byte> key = batch.Key(i);
                if (seen.Add(Encoding.Latin1.GetString(key)))
                    aors.Add(key.ToArray());
            }

            return aors;
        }
    }
}
