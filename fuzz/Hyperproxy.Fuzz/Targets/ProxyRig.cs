using System.Net;
using System.Security.Cryptography;
using System.Text;
using Hyperproxy.Location;
using Hyperproxy.Location.Faster;
using Hyperproxy.Modules;
using Hyperproxy.Proxy;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Fuzz.Targets;

/// <summary>
/// One worker's pipeline without sockets, for the pipeline and digest targets: a script compiled by the module
/// catalog, a FASTER location store with durability none, a db_text directory holding the subscriber
/// <c>alice@example.com</c> (password <c>secret</c>) and a <c>uri</c> table; the proxy is 127.0.0.1:5060 and every
/// name resolves to 127.0.0.2.
/// </summary>
internal sealed class ProxyRig : IDisposable
{
    public const string User = "alice";
    public const string Realm = "example.com";
    public const string Password = "secret";

    public static readonly NetAddress Source = NetAddress.FromIPv4(127, 0, 0, 9, 40000);

    private readonly ProxyCounters[] _counters = new ProxyCounters[1];
    private readonly NextHopResolver _resolver;
    private readonly FasterLocationStore _store;
    private readonly string _dir;
    private readonly byte[] _input = GC.AllocateArray<byte>(65536, pinned: true);

    public ProxyRig(string scriptTemplate)
    {
        _dir = Directory.CreateTempSubdirectory("hp-fuzz-").FullName;
        File.WriteAllText(Path.Combine(_dir, "subscriber"),
            "id(int,auto) username(string) domain(string) password(string) ha1(string) ha1_sha256(string)\n"
            + $":{User}:{Realm}:{Password}:{Hex(MD5.HashData(Encoding.ASCII.GetBytes($"{User}:{Realm}:{Password}")))}:"
            + $"{Hex(SHA256.HashData(Encoding.ASCII.GetBytes($"{User}:{Realm}:{Password}")))}\n");
        File.WriteAllText(Path.Combine(_dir, "uri"),
            $"id(int,auto) username(string) domain(string) uri_user(string)\n:{User}:{Realm}:{User}\n:{User}:{Realm}:alias\n");
        File.WriteAllText(Path.Combine(_dir, "version"), "table_name(string) table_version(int)\nsubscriber:8\nuri:2\n");
        var catalog = new ModuleCatalog();
        var script = catalog.CompileText(scriptTemplate.Replace("@DB@", _dir, StringComparison.Ordinal), "fuzz.cfg");
        _store = new FasterLocationStore(new LocationStoreOptions { Durability = Durability.None, ExpectedAors = 4096 });
        catalog.Registrar.UseStore(_store);
        _resolver = new NextHopResolver(_ => [IPAddress.Parse("127.0.0.2")]);
        Proxy = new StatelessProxy(new ProxyIdentity([NetAddress.IPv4Loopback(5060)], [null]), _resolver, _counters, 0, script, _store);
    }

    public StatelessProxy Proxy { get; }

    public DatagramBatch Outgoing { get; } = new(64);

    public ref ProxyCounters Counters => ref _counters[0];

    /// <summary>Runs one datagram (cut at 64 KiB) through the worker's pipeline; what it sent is in <see cref="Outgoing"/>.</summary>
    public void Process(ReadOnlySpan<byte> datagram)
    {
        int length = Math.Min(datagram.Length, _input.Length);
        datagram[..length].CopyTo(_input);
        Outgoing.Clear();
        Proxy.Process(_input, 0, length, Source, 0, Outgoing);
    }

    /// <summary>The status code of the first reply the last datagram produced, 0 when it produced none.</summary>
    public int FirstReplyStatus()
    {
        if (Outgoing.Count == 0)
        {
            return 0;
        }

        ReadOnlySpan<byte> p = Outgoing.Payload(0);
        return p.Length > 12 && p.StartsWith("SIP/2.0 "u8) ? ((p[8] - '0') * 100) + ((p[9] - '0') * 10) + (p[10] - '0') : 0;
    }

    public void Dispose()
    {
        _resolver.Dispose();
        _store.Dispose();
        Directory.Delete(_dir, true);
    }

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);
}
