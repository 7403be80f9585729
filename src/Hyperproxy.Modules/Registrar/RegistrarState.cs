using Hyperproxy.Location;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Registrar;

/// <summary>
/// The registrar's per-worker state: the worker's location-store session (opened on first use and kept
/// for the life of the worker) and the buffers save() and lookup() work in, plus the per-message facts
/// of the save in progress (reset for each message). Nothing here is allocated per message.
/// </summary>
internal sealed partial class RegistrarState : ModuleMessageState
{
    public const int MaxRequestContacts = 64;
    public const int MaxPath = 16;

    private byte[] _record = new byte[32 * 1024];
    private int _recordLength;

    public RegistrarModule Module { get; set; } = null!;

    public ILocationSession? Session { get; set; }

    public readonly byte[] Aor = new byte[512];
    public int AorLength;

    public readonly RequestContact[] Contacts = new RequestContact[MaxRequestContacts];
    public int ContactCount;

    /// <summary>The Path URIs (without brackets) and the whole elements (for the reply's echo).</summary>
    public readonly TextRange[] Path = new TextRange[MaxPath];
    public readonly TextRange[] PathElements = new TextRange[MaxPath];
    public int PathCount;

    /// <summary>The %-unescaped received from the Path (path-received), empty when none.</summary>
    public readonly byte[] PathReceived = new byte[256];
    public int PathReceivedLength;

    /// <summary>The <c>received_avp</c> value for contacts without a received of their own, empty when none.</summary>
    public readonly byte[] AvpReceived = new byte[255];
    public int AvpReceivedLength;

    public readonly BindingSlot[] Slots = new BindingSlot[Location.Records.LocationRecord.MaxContacts + MaxRequestContacts];
    public int SlotCount;

    /// <summary>xorshift32 state for <c>expires_max_deviation</c> (per worker, never 0).</summary>
    private uint _random = (uint)Environment.TickCount | 1u;

    /// <summary>A uniform value in [-range, range] (range &gt;= 0).</summary>
    public int NextDeviation(int range)
    {
        uint x = _random;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        _random = x;
        return (int)(x % (uint)(2 * range + 1)) - range;
    }

    /// <summary>Lines added to the reply (Contact, Path, P-Registrar-Error...).</summary>
    public readonly byte[] ReplyLines = new byte[8 * 1024];

    // ---- the save in progress (read by the updater) ----

    public SipMessage Message = null!;
    public SaveFlags Flags = SaveFlags.Default;
    public long Now;
    public int Socket;
    public uint BranchFlags;
    public uint Methods;
    public TextRange CallId;
    public uint CSeq;
    public readonly byte[] UserAgent = new byte[256];
    public int UserAgentLength;
    public int MaxContacts;
    public int MatchingMode;

    /// <summary>RFC 5626 outbound applies to this REGISTER (bindings keyed by +sip.instance and reg-id).</summary>
    public bool Outbound;

    /// <summary>RFC 5626 §6: an outbound REGISTER that reached us directly (no Path): its flow, <c>sip:src:port[;transport=x]</c>, stored as the binding's received.</summary>
    public readonly byte[] FlowReceived = new byte[128];
    public int FlowReceivedLength;

    /// <summary>remove() calls so far in this run of the request (each names its own parked write).</summary>
    public int Removals;

    // ---- results of the updater's last run ----

    public RegistrarError Error;

    /// <summary>The record after the save (or as read): what the reply lists.</summary>
    public ReadOnlySpan<byte> Record => new(_record, 0, _recordLength);

    public Span<byte> RecordBuffer => _record;

    public void SetRecord(ReadOnlySpan<byte> record)
    {
        if (record.Length > _record.Length)
        {
            Grow(record.Length);
        }

        record.CopyTo(_record);
        _recordLength = record.Length;
    }

    public void SetRecordLength(int length) => _recordLength = length;

    public void Grow(int length) => _record = new byte[Math.Max(length, _record.Length * 2)];

    public ILocationSession EnsureSession() => Session ??= Module.Store.NewSession();

    protected override void Reset()
    {
        AorLength = 0;
        ContactCount = 0;
        PathCount = 0;
        PathReceivedLength = 0;
        AvpReceivedLength = 0;
        UserAgentLength = 0;
        SlotCount = 0;
        _recordLength = 0;
        Error = RegistrarError.None;
        Flags = SaveFlags.Default;
        Outbound = false;
        FlowReceivedLength = 0;
        Removals = 0;
    }
}
