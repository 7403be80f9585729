namespace Hyperproxy.Proxy.Transactions;

/// <summary>
/// Where workers meet for tm: one <see cref="HandoffQueue"/> per (producer, consumer) pair of workers, created
/// at start-up, so each ring has exactly one writer and one reader. A worker that receives a reply (or our own
/// CANCEL's reply) whose branch names another worker puts a copy in that worker's ring; so does a worker that
/// receives a CANCEL or ACK whose INVITE transaction another worker holds (found through
/// <see cref="TransactionTable.MayHoldInvite"/> on the tables registered here). The owner drains its
/// rings at the start of every batch and on every timer turn. While a worker holds transactions its receive
/// wait is bounded by <see cref="HandoffPollMs"/>, which bounds the hand-off latency (a worker without
/// transactions owns nothing a reply could be for).
/// </summary>
public sealed class TransactionHub
{
    /// <summary>The longest a handed-over reply waits for an idle owner (its receive wait bound while it holds transactions).</summary>
    public const int HandoffPollMs = 1;

    private readonly HandoffQueue[,] _queues;
    private readonly TransactionTable?[] _tables;

    public TransactionHub(int workers)
    {
        Workers = workers;
        _queues = new HandoffQueue[workers, workers];
        _tables = new TransactionTable?[workers];
        for (int p = 0; p < workers; p++)
        {
            for (int c = 0; c < workers; c++)
            {
                if (p != c)
                {
                    _queues[p, c] = new HandoffQueue();
                }
            }
        }
    }

    public int Workers { get; }

    /// <summary>The ring from <paramref name="producer"/> to <paramref name="consumer"/>.</summary>
    public HandoffQueue Queue(int producer, int consumer) => _queues[producer, consumer];

    /// <summary>
    /// Worker <paramref name="consumer"/>'s table, for <see cref="TransactionTable.MayHoldInvite"/> only (a CANCEL or ACK that
    /// arrived on another worker looks for the owner of its INVITE there); null before that worker registered.
    /// </summary>
    public TransactionTable? Table(int consumer) => Volatile.Read(ref _tables[consumer]);

    internal void Register(int index, TransactionTable table)
    {
        if ((uint)index >= (uint)Workers)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"worker {index} is outside the hub's {Workers} workers");
        }

        Volatile.Write(ref _tables[index], table);
    }
}
