using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Hyperproxy.Location;
using Hyperproxy.Location.Records;
using Hyperproxy.Script.Management;

namespace Hyperproxy.Modules.Registrar;

/// <summary>
/// usrloc's MI commands (OpenSIPS's ul_mi.c names and shapes): ul_dump, ul_show_contact, ul_rm, ul_rm_contact,
/// ul_add, ul_flush. They run on the management thread, which reads and writes the real store through a
/// session of its own (opened on first use, closed by <see cref="CloseMiSession"/>). The one table is
/// <c>location</c>.
/// </summary>
public sealed partial class RegistrarModule
{
    public const string TableName = "location";
    private const int MaxDumpPage = 100_000;
    private const int DefaultDumpPage = 1000;
    private const string MiCallId = "dfjrewr12386fd6-343@hyperproxy.mi";
    private ILocationSession? _miSession;
    private byte[] _miBuffer = new byte[32 * 1024];

    private MiCommand[] UsrlocMiCommands() =>
    [
        new("ul_dump", UlDump, [], ["brief"], ["limit"], ["cursor", "limit"], ["brief", "limit"], ["brief", "cursor", "limit"]),
        new("ul_show_contact", UlShowContact, ["table_name", "aor"]),
        new("ul_rm", UlRm, ["table_name", "aor"]),
        new("ul_rm_contact", UlRmContact, ["table_name", "aor", "contact"]),
        new("ul_add", UlAdd, ["table_name", "aor", "contact", "expires", "q", "unused", "flags", "cflags", "methods"],
            ["table_name", "aor", "contact", "expires", "q", "path", "flags", "cflags", "methods"],
            ["table_name", "aor", "contact", "expires", "q"], ["table_name", "aor", "contact", "expires"]),
        new("ul_flush", UlFlush),
    ];

    /// <summary>Closes the management thread's store session (on that thread, when it stops).</summary>
    public void CloseMiSession()
    {
        _miSession?.Dispose();
        _miSession = null;
    }

    private ILocationSession MiSession() => _miSession ??= Store.NewSession();

    private JsonNode UlDump(MiArguments a)
    {
        bool brief = a.String("brief") is { } b && b != "0";
        if (Store is not ILocationListing listing)
            throw new MiException(500, "Internal Error: this location store cannot list its AoRs");
        long? limitArgument = a.Integer("limit");
        string? cursor = a.String("cursor") is { Length: > 0 } c ? c : null;
        if (limitArgument is < 1 or > MaxDumpPage)
            throw new MiException(400, $"Bad parameter value: limit is 1 .. {MaxDumpPage}");
        if (cursor is not null && limitArgument is null)
            throw new MiException(400, "Bad parameter value: a cursor needs a limit");
        long now = Clock.UnixSeconds;
        var list = new JsonArray();
        var aors = new List<byte[]>();
        string? next;
        if (limitArgument is { } limit)
        {
            // One page: the store's scan costs in proportion to the page, not the table.
            Page(cursor, (int)limit, out next);
        }
        else
        {
            // OpenSIPS's plain ul_dump: the whole table in one answer, read page by page all the same.
            do
            {
                Page(cursor, DefaultDumpPage, out next);
                cursor = next;
            }
            while (next is not null);
        }

        var domain = new JsonObject { ["name"] = TableName, ["hash_size"] = 1 << HashSize, ["AORs"] = list };
        var result = new JsonObject { ["Domains"] = new JsonArray(domain) };
        if (limitArgument is not null && next is not null)
            result["Next"] = next;
        return result;

        void Page(string? from, int size, out string? following)
        {
            aors.Clear();
            switch (listing.ListPage(from, size, aors, out following))
            {
                case ListingStatus.BadCursor:
                    throw new MiException(400, "Bad parameter value: not a ul_dump cursor");
                case ListingStatus.CursorExpired:
                    throw new MiException(410, "Cursor expired: the location table was compacted; start the dump again");
                case ListingStatus.Failed:
                    throw new MiException(500, "Internal Error: the location store cannot be read");
            }

            foreach (byte[] aor in aors)
            {
                if (!TryReadMi(aor, out int length))
                    continue;
                JsonArray contacts = ContactsJson(_miBuffer.AsSpan(0, length), now, brief);
                if (contacts.Count > 0 || !brief)
                    list.Add(new JsonObject { ["AOR"] = Encoding.UTF8.GetString(aor), ["Contacts"] = contacts });
            }
        }
    }

    private JsonNode UlShowContact(MiArguments a)
    {
        byte[] aor = MiAor(a);
        if (!TryReadMi(aor, out int length))
            throw new MiException(404, "AOR not found");
        JsonArray contacts = ContactsJson(_miBuffer.AsSpan(0, length), Clock.UnixSeconds, brief: false);
        if (contacts.Count == 0)
            throw new MiException(404, "AOR not found");
        return new JsonObject { ["Contacts"] = contacts };
    }

    private JsonNode UlRm(MiArguments a)
    {
        byte[] aor = MiAor(a);
        if (!TryReadMi(aor, out _))
            throw new MiException(404, "AOR not found");
        UpdateStatus status = MiSession().Delete(aor, out CommitTicket ticket);
        if (status == UpdateStatus.Failed)
            throw new MiException(500, "Internal Error");
        Store.Commit(ticket);
        return MiCommand.Ok;
    }

    private JsonNode UlRmContact(MiArguments a)
    {
        byte[] aor = MiAor(a);
        var updater = new UsrlocMiUpdater { Contact = Encoding.UTF8.GetBytes(a.Required("contact")), Path = [], CallId = [] };
        if (!TryReadMi(aor, out _))
            throw new MiException(404, "AOR not found");
        UpdateStatus status = MiSession().Update(aor, ref updater, out CommitTicket ticket);
        if (status is UpdateStatus.Failed or UpdateStatus.BadLength)
            throw new MiException(500, "Internal Error");
        if (!updater.Found)
            throw new MiException(404, "Contact not found");
        Store.Commit(ticket);
        return MiCommand.Ok;
    }

    private JsonNode UlAdd(MiArguments a)
    {
        byte[] aor = MiAor(a);
        string contact = a.Required("contact");
        if (!contact.Contains(':', StringComparison.Ordinal))
            throw new MiException(400, "Bad parameter value: the contact is not a URI");
        long expires = a.Integer("expires") ?? throw MiException.BadParams("missing parameter 'expires'");
        if (expires < 0)
            throw new MiException(400, "Bad parameter value: expires");
        long now = Clock.UnixSeconds;
        ContactFields fields = ContactFields.Create(expires == 0 ? 0 : now + expires, now, 1);
        if (a.String("q") is { Length: > 0 } q)
        {
            if (!double.TryParse(q, NumberStyles.Float, CultureInfo.InvariantCulture, out double qv) || qv < 0 || qv > 1)
                throw new MiException(400, "Bad parameter value: q is 0 .. 1");
            fields.Q = (short)Math.Round(qv * 1000);
        }

        fields.Flags = (ContactFlags)(uint)(a.Integer("flags") ?? 0);
        fields.BranchFlags = (uint)(a.Integer("cflags") ?? 0);
        fields.Methods = a.Integer("methods") is { } m ? (uint)m : uint.MaxValue;
        byte[][] path = a.String("path") is { Length: > 0 } p
            ? [.. p.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Encoding.UTF8.GetBytes)]
            : [];
        var updater = new UsrlocMiUpdater
        {
            Contact = Encoding.UTF8.GetBytes(contact), Add = true, Fields = fields, CallId = Encoding.ASCII.GetBytes(MiCallId), Path = path,
        };
        UpdateStatus status = MiSession().Update(aor, ref updater, out CommitTicket ticket);
        if (status is UpdateStatus.Failed or UpdateStatus.BadLength or UpdateStatus.Unchanged)
            throw new MiException(500, "Internal Error");
        Store.Commit(ticket);
        return MiCommand.Ok;
    }

    private JsonNode UlFlush(MiArguments a)
    {
        if (Store is Location.Faster.FasterLocationStore faster && faster.Durability != Durability.None)
            faster.CheckpointNow();
        return MiCommand.Ok;
    }

    private byte[] MiAor(MiArguments a)
    {
        string table = a.Required("table_name");
        if (table != TableName)
            throw new MiException(404, "Table not found");
        string aor = a.Required("aor");
        if (aor.Length == 0)
            throw new MiException(400, "Bad parameter value: empty AoR");
        if (!aor.Contains('@', StringComparison.Ordinal) && !aor.Contains(':', StringComparison.Ordinal))
            return Encoding.UTF8.GetBytes(CaseSensitive ? aor : aor.ToLowerInvariant());
        byte[] key = new byte[1024];
        string uri = aor.Contains(':', StringComparison.Ordinal) ? aor : "sip:" + aor;
        if (TryWriteAor(Encoding.UTF8.GetBytes(uri), key, out int length) != RegistrarError.None)
            throw new MiException(400, "Bad parameter value: not an AoR");
        return key.AsSpan(0, length).ToArray();
    }

    private bool TryReadMi(byte[] aor, out int length)
    {
        while (true)
        {
            switch (MiSession().Read(aor, _miBuffer, out length))
            {
                case ReadStatus.Found:
                    return true;
                case ReadStatus.BufferTooSmall:
                    _miBuffer = new byte[Math.Max(length, _miBuffer.Length * 2)];
                    continue;
                case ReadStatus.NotFound:
                    return false;
                default:
                    throw new MiException(500, "Internal Error");
            }
        }
    }

    private static JsonArray ContactsJson(ReadOnlySpan<byte> record, long now, bool brief)
    {
        var contacts = new JsonArray();
        if (LocationRecord.TryOpen(record, out LocationRecordReader reader) != RecordError.None)
            return contacts;
        foreach (ContactView c in reader.GetContacts(now))
        {
            var o = new JsonObject { ["Contact"] = Encoding.UTF8.GetString(c.Contact) };
            o["Expires"] = c.Expires == 0 ? 0 : Math.Max(0, c.Expires - now);
            if (!brief)
            {
                o["Q"] = c.Q < 0 ? "" : (c.Q / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
                o["Callid"] = Encoding.UTF8.GetString(c.CallId);
                o["Cseq"] = c.CSeq;
                if (!c.UserAgent.IsEmpty)
                    o["User-agent"] = Encoding.UTF8.GetString(c.UserAgent);
                if (!c.Received.IsEmpty)
                    o["Received"] = Encoding.UTF8.GetString(c.Received);
                if (c.PathCount > 0)
                {
                    var hops = new List<string>();
                    foreach (ReadOnlySpan<byte> hop in c.Path)
                        hops.Add(Encoding.UTF8.GetString(hop));
                    o["Path"] = string.Join(",", hops);
                }

                if (!c.Instance.IsEmpty)
                    o["SIP_instance"] = Encoding.UTF8.GetString(c.Instance);
                o["State"] = "CS_SYNC";
                o["Flags"] = (uint)c.Flags;
                o["Cflags"] = c.BranchFlags;
                o["Socket"] = c.Socket;
                o["Methods"] = c.Methods;
                o["Last-Modified"] = c.LastModified;
            }

            contacts.Add(o);
        }

        return contacts;
    }
}
