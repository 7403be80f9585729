using System.Diagnostics;
using Hyperproxy.Transport;

namespace Hyperproxy.Sak.Bench;

/// <summary>The call worker's set-up: registering its callee AoRs through the target (cold path, before the run).</summary>
public sealed partial class CallWorker
{
    /// <summary>
    /// REGISTERs this thread's share of u0..u(users-1) from the callee socket (Contact: the callee
    /// socket), a batch at a time, each batch given the timeout to be answered. Returns how many
    /// got a 2xx; <paramref name="lastFailure"/> is the last other status (0: a timeout).
    /// </summary>
    public int RegisterCallees(RequestTemplate register, long cseq, out int lastFailure)
    {
        lastFailure = -1;
        var outgoing = new DatagramBatch(Options.Batch, 2048);
        var incoming = new DatagramBatch(Options.Batch, 4096);
        bool[] answered = new bool[Options.Batch];
        long timeoutTicks = Options.TimeoutMs * Stopwatch.Frequency / 1000;
        int ok = 0;
        for (int from = 0; from < UsersHere; from += Options.Batch)
        {
            int count = Math.Min(Options.Batch, UsersHere - from);
            outgoing.Clear();
            for (int j = 0; j < count; j++)
            {
                outgoing.TryGetFreeSlot(out Span<byte> slot);
                long user = Index + (long)(from + j) * Options.Threads;
                outgoing.Commit(register.Write(slot, (ulong)(from + j + 1), cseq, user), _target, 1);
                answered[j] = false;
            }
            int accepted = _io.Send(outgoing);
            int waiting = accepted;
            long deadline = Stopwatch.GetTimestamp() + timeoutTicks;
            while (waiting > 0 && Stopwatch.GetTimestamp() < deadline)
            {
                int got = _io.Receive(incoming, 10);
                for (int i = 0; i < got; i++)
                {
                    ReadOnlySpan<byte> p = incoming.Payload(i);
                    int status = StatusOf(p);
                    if (incoming.SocketIndex(i) != 1 || status == 0 || !RequestTemplate.TryReadSeq(p, out ulong seq))
                        continue;
                    int j = (int)seq - 1 - from;
                    if ((uint)j >= (uint)count || answered[j])
                        continue;
                    if (status < 200)
                        continue;
                    answered[j] = true;
                    waiting--;
                    if (status < 300)
                        ok++;
                    else
                        lastFailure = status;
                }
            }
            if (waiting > 0)
                lastFailure = 0;
        }
        return ok;
    }
}
