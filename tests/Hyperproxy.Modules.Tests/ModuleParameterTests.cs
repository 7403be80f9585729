using Hyperproxy.Script.Declarations;

namespace Hyperproxy.Modules.Tests;

/// <summary>
/// Every modparam in the export tables is honoured or refused at start-up, with file:line:column and what
/// Hyperproxy does instead; defaults come from the table alone.
/// </summary>
public class ModuleParameterTests
{
    private const string Modules = "loadmodule \"sl.so\"\nloadmodule \"maxfwd.so\"\nloadmodule \"proto_udp.so\"\nloadmodule \"usrloc.so\"\nloadmodule \"registrar.so\"\n";

    private const string StoreInstead =
        "usrloc keeps bindings in its own store, not in a database; see --durability (none|checkpoint|sync) or modparam(\"usrloc\", \"durability\", ...)";

    /// <summary>Loads the modules, the modparam on line 6, and a trivial route; returns the errors (none when it starts).</summary>
    private static (ModuleCatalog Catalog, string[] Errors) Start(string modparam)
    {
        var catalog = new ModuleCatalog();
        catalog.TryLoadText(Modules + modparam + "\nroute {\n  exit;\n}\n", "p.cfg", out var errors);
        return (catalog, errors.Select(e => e.ToString()).ToArray());
    }

    [Theory]
    [InlineData("registrar", "expires_max_deviation", "-5", "-5 is out of range (0..1000000 seconds)")]
    [InlineData("registrar", "tcp_persistent_flag", "\"TCP_PERSISTENT\"", "Hyperproxy serves UDP only; there is no TCP connection to keep open")]
    [InlineData("registrar", "sock_hdr_name", "\"X-Socket\"", "save() keeps the socket the REGISTER arrived on; it takes no socket from a header")]
    [InlineData("registrar", "gruu_secret", "\"s3cr3t\"", "Hyperproxy builds no GRUUs (RFC 5627); there is no secret to set")]
    [InlineData("registrar", "disable_gruu", "0", "Hyperproxy builds no GRUUs (RFC 5627); leave disable_gruu at 1")]
    [InlineData("usrloc", "db_mode", "2", StoreInstead)]
    [InlineData("usrloc", "db_url", "\"mysql://opensips:pw@localhost/opensips\"", StoreInstead)]
    [InlineData("usrloc", "working_mode_preset", "\"single-instance-sql-write-back\"", StoreInstead)]
    [InlineData("usrloc", "desc_time_order", "1", "bindings are kept in q order, equal q oldest first (desc_time_order 0)")]
    [InlineData("usrloc", "hash_size", "31", "31 is out of range (1..30; the index is sized for 2^hash_size AoRs)")]
    [InlineData("usrloc", "timer_interval", "0", "0 is out of range (1..86400 seconds)")]
    [InlineData("sl", "enable_stats", "1",
        "sl keeps no statistics of its own; the core's ($stat(rcv_requests), err_requests, ...) count every message")]
    [InlineData("maxfwd", "max_limit", "300", "300 is out of range (1..256)")]
    [InlineData("proto_udp", "udp_port", "5070", "a UDP socket without a port listens on 5060; write the port in socket=udp:HOST:PORT")]
    public void AValueHyperproxyCannotHonourStopsStartUpAtItsModparamSayingWhatItDoesInstead(string module, string name, string value, string why)
    {
        var (_, errors) = Start($"modparam(\"{module}\", \"{name}\", {value})");
        Assert.Equal([$"p.cfg:6:1: modparam {module} {name}: {why}"], errors);
    }

    [Theory]
    [InlineData("modparam(\"usrloc\", \"db_mode\", 0)")]
    [InlineData("modparam(\"usrloc\", \"working_mode_preset\", \"single-instance-no-db\")")]
    [InlineData("modparam(\"usrloc\", \"desc_time_order\", 0)")]
    [InlineData("modparam(\"registrar\", \"disable_gruu\", 1)")]
    [InlineData("modparam(\"registrar\", \"expires_max_deviation\", 30)")]
    [InlineData("modparam(\"sl\", \"enable_stats\", 0)")]
    [InlineData("modparam(\"proto_udp\", \"udp_port\", 5060)")]
    [InlineData("modparam(\"usrloc\", \"nat_bflag\", \"NAT\")")]
    public void AValueThatMeansWhatHyperproxyDoesIsAccepted(string modparam)
    {
        var (_, errors) = Start(modparam);
        Assert.Empty(errors);
    }

    [Fact]
    public void HashSizeAndTimerIntervalSizeAndPaceTheLocationStore()
    {
        var (catalog, errors) = Start("modparam(\"usrloc\", \"hash_size\", 20)\nmodparam(\"usrloc\", \"timer_interval\", 15)");
        Assert.Empty(errors);
        Assert.Equal(1L << 20, catalog.Registrar.ExpectedAors(4096));
        Assert.Equal(TimeSpan.FromSeconds(15), catalog.Registrar.PurgeInterval);

        var defaults = new ModuleCatalog().Registrar;
        Assert.Equal(100_000, defaults.ExpectedAors(100_000)); // 2^9 never shrinks the index
        Assert.Equal(TimeSpan.FromSeconds(60), defaults.PurgeInterval);
    }

    [Fact]
    public void MaxLimitCapsTheDecrementedMaxForwards()
    {
        var h = new ModuleHarness("route {\n  mf_process_maxfwd_header(10);\n  forward(\"127.0.0.7:5070\");\n}\n",
            "loadmodule \"maxfwd.so\"\nmodparam(\"maxfwd\", \"max_limit\", 16)");
        var sent = h.Run("OPTIONS sip:bob@127.0.0.7:5070 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-mf\nMax-Forwards: 70\n"
            + "From: <sip:a@example.com>;tag=1\nTo: <sip:bob@example.com>\nCall-ID: mf@t\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n");
        Assert.Equal(["16"], Assert.Single(sent).Headers("Max-Forwards")); // 70 - 1 exceeds max_limit: max_limit itself
    }

    [Fact]
    public void EveryParameterDefaultIsTheOneTheModuleStartsWith()
    {
        // The table is the only place a default is written: a fresh module holds exactly the table's defaults.
        var catalog = new ModuleCatalog();
        Assert.Equal(3600, catalog.Registrar.DefaultExpires);
        Assert.Equal(60, catalog.Registrar.MinExpires);
        Assert.Equal(256, catalog.Registrar.MaxAorLength);
        Assert.Equal(20, catalog.Registrar.CSeqDelay);
        Assert.True(catalog.Rr.AppendFromtag);
        Assert.True(catalog.Path.EnableDoublePath);
        Assert.Equal(256, catalog.Maxfwd.MaxLimit);
        foreach (ModuleDeclaration module in catalog.Exports)
        {
            foreach (ModuleParameterDeclaration p in module.Parameters)
            {
                Assert.NotNull(p.Store);
                Assert.Null(p.Store!(p.DefaultValue));
            }

            foreach (FunctionDeclaration f in module.Functions)
            {
                Assert.NotNull(f.Body);
            }
        }
    }
}
