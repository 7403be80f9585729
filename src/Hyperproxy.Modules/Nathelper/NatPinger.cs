using Hyperproxy.Location;
using Hyperproxy.Location.Records;
using Hyperproxy.Modules.Registrar;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Nathelper;

/// <summary>
/// nathelper's keep-alives (spec §1.3), off the workers: <see cref="Step"/> walks the location table over
/// <c>natping_interval</c> at an even pace (the AoRs due by now, never a burst), formats each ping (a SIP
/// request for contacts with <c>sipping_bflag</c>, else the 4-byte UDP ping) into the ring of one worker,
/// which only copies it into its send batch. A worker that receives the answer to a SIP ping notes it with
/// one volatile write (<see cref="TryAbsorbReply"/>); a ping not answered within <c>ping_threshold</c> is
/// lost, and a contact with <c>remove_on_timeout_bflag</c> whose lost count reaches <c>max_pings_lost</c> is
/// removed from the location table. <see cref="Step"/> runs on the pinger thread (or a test, with its own clock).
/// </summary>
public sealed partial class NatPinger : IDisposable
{
    /// <summary>The branch prefix of our SIP pings (the magic cookie, then "nhp").</summary>
    public static ReadOnlySpan<byte> BranchPrefix => "z9hG4bKnhp"u8;

    private readonly NathelperModule _module;
    private readonly ILocationStore _store;
    private readonly ILocationListing _listing;
    private readonly ILocationSession _session;
    private readonly NatPingSocket[] _sockets;
    private readonly NatPingRing[] _rings;
    private readonly Func<long> _unixSeconds;
    private byte[] _record = new byte[32 * 1024];

    // The contacts pinged, by identity (AoR, contact, Call-ID): dense slots with their state.
    private readonly Dictionary<ulong, int> _slots = new();
    private readonly Stack<int> _free = new();
    private ulong[] _keys = new ulong[1024];
    private int[] _lost = new int[1024];
    private int[] _sent = new int[1024];
    private int[] _answered = new int[1024];
    private int[] _seen = new int[1024];
    private int _slotCount;

    // Pings waiting for their ping_threshold (time order: one per contact per interval).
    private readonly Queue<PendingCheck> _checks = new();

    private IReadOnlyList<byte[]> _aors = [];
    private int _next;
    private int _round;
    private long _roundStart = long.MinValue;
    private int _worker;
    private uint _sequence;
    private Thread? _thread;
    private volatile bool _stop;
    private readonly ManualResetEventSlim _wake = new(false);

    public NatPinger(NathelperModule module, ILocationStore store, NatPingSocket[] sockets, int workers, Func<long> unixSeconds)
    {
        _module = module;
        _store = store;
        _listing = store as ILocationListing ?? throw new ArgumentException("the location store cannot list its AoRs", nameof(store));
        _session = store.NewSession();
        _sockets = sockets;
        _unixSeconds = unixSeconds;
        _rings = new NatPingRing[workers];
        for (int i = 0; i < workers; i++)
        {
            _rings[i] = new NatPingRing();
        }
    }

    /// <summary>Pings formatted for worker <paramref name="worker"/>.</summary>
    public NatPingRing Ring(int worker) => _rings[worker];

    /// <summary>The figures of the pinger (nathelper statistics).</summary>
    public NatPingStats Stats;

    /// <summary>Contacts the pinger is tracking.</summary>
    public int Tracked => _slots.Count;

    /// <summary>Lost pings counted for a contact (tests).</summary>
    public int LostCount(ReadOnlySpan<byte> aor, ReadOnlySpan<byte> contact, ReadOnlySpan<byte> callId) =>
        _slots.TryGetValue(Key(aor, contact, callId), out int slot) ? _lost[slot] : -1;

    /// <summary>Starts the pinger thread (a step every 10 ms on the wall clock).</summary>
    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "hp-natping" };
        _thread.Start();
    }

    private void Run()
    {
        long origin = Environment.TickCount64;
        while (!_stop)
        {
            try
            {
                Step(Environment.TickCount64 - origin);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _module.Log?.Invoke("nathelper: ping round failed: " + e.Message);
            }

            _wake.Wait(10);
        }
    }

    /// <summary>
    /// Advances the pinger to <paramref name="nowMs"/> (a monotonic millisecond clock): a new round when the
    /// interval has passed, the AoRs due by now pinged, the pings whose threshold has passed judged.
    /// </summary>
    public void Step(long nowMs)
    {
        long interval = _module.NatpingInterval * 1000L;
        if (interval <= 0)
        {
            return;
        }

        JudgeDue(nowMs);
        if (!_module.PingingEnabled)
        {
            // MI nh_enable_ping 0: no pings; answers to those already out are still noted and judged. Once on again, a
            // fresh round starts (evenly paced, never the backlog of the pause at once).
            _roundStart = long.MinValue;
            return;
        }

        if (_roundStart == long.MinValue)
        {
            BeginRound(nowMs);
        }
        else if (nowMs - _roundStart >= interval)
        {
            // The round is over: whatever it has not pinged yet (a full ring held it back) goes first.
            if (!PingUpTo(_aors.Count, nowMs))
            {
                return;
            }

            BeginRound(nowMs);
        }

        // AoR i of n is due at i/n of the interval: the first at once, then evenly.
        PingUpTo(_aors.Count * (nowMs - _roundStart) / interval + 1, nowMs);
    }

    /// <summary>Pings the AoRs of the round up to index <paramref name="due"/>; false when a worker's ring is full.</summary>
    private bool PingUpTo(long due, long nowMs)
    {
        long now = _unixSeconds();
        while (_next < due && _next < _aors.Count)
        {
            if (!PingAor(_aors[_next], now, nowMs))
            {
                Stats.RingFull++;
                return false; // the worker has not drained its ring yet: carry on at the next step
            }

            _next++;
        }

        return true;
    }

    private void BeginRound(long nowMs)
    {
        if (_round > 0)
        {
            Sweep();
        }

        _round++;
        Stats.Rounds++;
        _roundStart = nowMs;
        _aors = ListAll();
        _next = 0;
    }

    /// <summary>
    /// The whole table, page by page (a round's pacing needs the count up front). A listing the store expires under
    /// it (a compaction) starts again, once; a failed one pings what it got so far.
    /// </summary>
    private List<byte[]> ListAll()
    {
        const int Page = 10_000;
        var aors = new List<byte[]>();
        for (int attempt = 0; attempt < 2; attempt++)
        {
            aors.Clear();
            string? cursor = null;
            ListingStatus status;
            do
            {
                status = _listing.ListPage(cursor, Page, aors, out cursor);
            }
            while (status == ListingStatus.Ok && cursor is not null);
            if (status != ListingStatus.CursorExpired)
            {
                break;
            }
        }

        return aors;
    }

    /// <summary>Frees the slots of contacts not seen in the round that just ended (expired, removed, re-registered).</summary>
    private void Sweep()
    {
        List<ulong>? gone = null;
        foreach (KeyValuePair<ulong, int> kv in _slots)
        {
            if (_seen[kv.Value] < _round)
            {
                (gone ??= []).Add(kv.Key);
            }
        }

        if (gone is null)
        {
            return;
        }

        foreach (ulong key in gone)
        {
            Free(key);
        }
    }

    private void Free(ulong key)
    {
        if (_slots.Remove(key, out int slot))
        {
            _keys[slot] = 0;
            _sent[slot] = 0;
            Volatile.Write(ref _answered[slot], 0);
            _free.Push(slot);
        }
    }

    /// <summary>Pings every contact of one AoR that wants it; false (nothing sent) when a worker's ring is full.</summary>
    private bool PingAor(byte[] aor, long now, long nowMs)
    {
        int length;
        while (true)
        {
            ReadStatus read = _session.Read(aor, _record, out length);
            if (read == ReadStatus.BufferTooSmall)
            {
                _record = new byte[Math.Max(length, _record.Length * 2)];
                continue;
            }

            if (read != ReadStatus.Found)
            {
                return true;
            }

            break;
        }

        if (LocationRecord.TryOpen(_record.AsSpan(0, length), out LocationRecordReader reader) != RecordError.None)
        {
            return true;
        }

        NatPingRing ring = _rings[_worker];
        int needed = 0;
        foreach (ContactView c in reader.GetContacts(now))
        {
            if (Wants(c))
            {
                needed++;
            }
        }

        if (needed == 0)
        {
            return true;
        }

        if (ring.Capacity - ring.Count < needed)
        {
            return false;
        }

        foreach (ContactView c in reader.GetContacts(now))
        {
            if (Wants(c))
            {
                Ping(ring, aor, c, nowMs);
            }
        }

        _worker = (_worker + 1) % _rings.Length;
        return true;
    }

    /// <summary>UDP contacts only (pings never open connections); with ping_nated_only, NAT'ed ones only.</summary>
    private bool Wants(in ContactView c)
    {
        if (c.Socket >= _sockets.Length || !_sockets[c.Socket].IsUdp)
        {
            return false;
        }

        if (!_module.PingNatedOnly)
        {
            return true;
        }

        return (c.Flags & ContactFlags.Nat) != 0 || (_module.NatBflag >= 0 && (c.BranchFlags & (1u << _module.NatBflag)) != 0);
    }

    private void Ping(NatPingRing ring, byte[] aor, in ContactView c, long nowMs)
    {
        ReadOnlySpan<byte> target = c.PathCount > 0 ? c.FirstPath : !c.Received.IsEmpty ? c.Received : c.Contact;
        NatPingSocket socket = _sockets[c.Socket];
        if (!RegistrarModule.TryHostPort(target, out NetAddress destination) || destination.Family != socket.Family)
        {
            Stats.Unresolvable++;
            return;
        }

        bool sip = _module.SippingBflag >= 0 && (c.BranchFlags & (1u << _module.SippingBflag)) != 0;
        ring.TryReserve(out Span<byte> slot);
        if (!sip)
        {
            slot[..4].Clear();
            ring.Publish(4, destination, c.Socket);
            Stats.UdpPings++;
            return;
        }

        ulong key = Key(aor, c.Contact, c.CallId);
        int index = SlotFor(key);
        _seen[index] = _round;
        int seq = (int)(++_sequence & 0x7FFFFFFF);
        if (seq == 0)
        {
            seq = (int)++_sequence;
        }

        int n = WriteSipPing(slot, c, socket, index, seq);
        if (n < 0)
        {
            Stats.TooLong++;
            return;
        }

        _sent[index] = seq;
        ring.Publish(n, destination, c.Socket);
        Stats.SipPings++;
        _checks.Enqueue(new PendingCheck(index, seq, nowMs + _module.PingThreshold * 1000L, key, aor,
            _module.RemoveOnTimeoutBflag >= 0 && (c.BranchFlags & (1u << _module.RemoveOnTimeoutBflag)) != 0));
    }

    private int SlotFor(ulong key)
    {
        if (_slots.TryGetValue(key, out int slot))
        {
            return slot;
        }

        if (!_free.TryPop(out slot))
        {
            slot = _slotCount++;
            if (slot == _keys.Length)
            {
                int size = _keys.Length * 2;
                Array.Resize(ref _keys, size);
                Array.Resize(ref _lost, size);
                Array.Resize(ref _sent, size);
                Array.Resize(ref _seen, size);
                int[] answered = new int[size];
                Array.Copy(_answered, answered, _answered.Length);
                Volatile.Write(ref _answered, answered);
            }
        }

        _keys[slot] = key;
        _lost[slot] = 0;
        _sent[slot] = 0;
        _slots[key] = slot;
        return slot;
    }

    /// <summary>Pings whose ping_threshold has passed: answered resets the lost count, else it grows (and may remove the contact).</summary>
    private void JudgeDue(long nowMs)
    {
        while (_checks.TryPeek(out PendingCheck check) && check.DueMs <= nowMs)
        {
            _checks.Dequeue();
            if (!_slots.TryGetValue(check.Key, out int slot) || slot != check.Slot)
            {
                continue;
            }

            // The answer to this ping or to a later one (pings every interval, judged after ping_threshold: with an
            // interval shorter than the threshold a newer ping's answer arrives first) says the contact is alive.
            int answered = Volatile.Read(ref _answered[slot]);
            if (answered != 0 && unchecked(answered - check.Sequence) >= 0)
            {
                _lost[slot] = 0;
                continue;
            }

            Stats.Lost++;
            if (++_lost[slot] >= _module.MaxPingsLost && check.Removable)
            {
                RemoveContact(check);
                Free(check.Key);
            }
        }
    }

    private void RemoveContact(in PendingCheck check)
    {
        var updater = new RemoveContactUpdater { Aor = check.Aor, Key = check.Key };
        if (_session.Update(check.Aor, ref updater, out _) != UpdateStatus.Failed && updater.Removed)
        {
            Stats.Removed++;
            _module.Log?.Invoke($"nathelper: a contact of {System.Text.Encoding.UTF8.GetString(check.Aor)} removed after {_module.MaxPingsLost} unanswered pings");
        }
    }

    /// <summary>
    /// A worker, for a reply whose top Via branch is one of our pings: notes it (unless its code is in
    /// <c>sipping_ignore_rpl_codes</c>) and says the reply is absorbed. False for any other reply.
    /// </summary>
    public bool TryAbsorbReply(SipMessage m)
    {
        TextRange branch = m.TopViaBranch;
        if (!branch.IsPresent || branch.Length <= BranchPrefix.Length)
        {
            return false;
        }

        ReadOnlySpan<byte> b = m.Span(branch);
        if (!b.StartsWith(BranchPrefix))
        {
            return false;
        }

        b = b[BranchPrefix.Length..];
        int dot = b.IndexOf((byte)'.');
        if (dot <= 0 || !TryHex(b[..dot], out uint slot) || !TryHex(b[(dot + 1)..], out uint seq))
        {
            return true; // ours by its prefix, but not a branch we wrote: absorbed all the same
        }

        // 430 Flow Failed comes from an outbound edge whose flow to the contact is dead: not an answer of the contact.
        if (m.StatusCode == 430 || _module.IgnoresReplyCode(m.StatusCode))
        {
            return true;
        }

        int[] answered = Volatile.Read(ref _answered);
        if (slot < (uint)answered.Length)
        {
            Volatile.Write(ref answered[slot], (int)seq);
        }

        Interlocked.Increment(ref Stats.Answered);
        return true;
    }

    private static bool TryHex(ReadOnlySpan<byte> s, out uint value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 8)
        {
            return false;
        }

        foreach (byte c in s)
        {
            int h = SipText.HexValue(c);
            if (h < 0)
            {
                return false;
            }

            value = (value << 4) | (uint)h;
        }

        return true;
    }

    /// <summary>FNV-1a over AoR, contact and Call-ID (0 is never a key).</summary>
    internal static ulong Key(ReadOnlySpan<byte> aor, ReadOnlySpan<byte> contact, ReadOnlySpan<byte> callId)
    {
        ulong h = 14695981039346656037UL;
        h = Mix(h, aor);
        h = (h ^ 0xFF) * 1099511628211UL;
        h = Mix(h, contact);
        h = (h ^ 0xFF) * 1099511628211UL;
        h = Mix(h, callId);
        return h == 0 ? 1 : h;
    }

    private static ulong Mix(ulong h, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            h = (h ^ b) * 1099511628211UL;
        }

        return h;
    }

    public void Dispose()
    {
        _stop = true;
        _wake.Set();
        _thread?.Join(TimeSpan.FromSeconds(5));
        _session.Dispose();
        _wake.Dispose();
    }

    private readonly record struct PendingCheck(int Slot, int Sequence, long DueMs, ulong Key, byte[] Aor, bool Removable);
}
