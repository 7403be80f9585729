using Hyperproxy.Modules;
using Hyperproxy.Modules.Dispatcher;
using Hyperproxy.Script.Management;
using Row = Hyperproxy.Tests.Dispatcher.DispatcherTable.Row;

namespace Hyperproxy.Tests.Dispatcher;

/// <summary>Start-up checks (table rows with file:line, refused algorithms, flags, parameters) and the MI commands.</summary>
public sealed class DispatcherConfigTests : IDisposable
{
    private readonly DispatcherTable _table = new(
        new Row(1, "sip:127.0.0.2:5070"),
        new Row(1, "sip:127.0.0.3:5070", Weight: 3, Priority: 5, Attrs: "x=1", Description: "second"),
        new Row(2, "sip:user@127.0.0.4:5070;transport=udp"));

    public void Dispose() => _table.Dispose();

    private string Head(string extra = "") =>
        "loadmodule \"tm.so\"\nloadmodule \"dispatcher.so\"\n" + $"modparam(\"dispatcher\", \"db_url\", \"{_table.DbUrl}\")\n" + extra;

    private static string Errors(string script)
    {
        var catalog = new ModuleCatalog();
        return catalog.TryLoadText(script, "test.cfg", out var errors) is null ? string.Join("\n", errors) : "";
    }

    [Fact]
    public void TheTableLoadsSetsByFirstAppearanceAndDestinationsByPriority()
    {
        var catalog = new ModuleCatalog();
        catalog.CompileText(Head() + "route { ds_select_dst(1, 4); }\n");
        DispatcherData data = catalog.Dispatcher.Snapshot.Data;
        Assert.Equal([1, 2], data.Sets.Select(s => s.Id));
        Assert.Equal(["sip:127.0.0.3:5070", "sip:127.0.0.2:5070"], data.Sets[0].Destinations.Select(d => d.Uri));
        DispatcherDestination user = data.Sets[1].Destinations[0];
        Assert.Equal("sip:127.0.0.4:5070;transport=udp", System.Text.Encoding.ASCII.GetString(user.Du));
        Assert.Equal("127.0.0.4:5070", System.Text.Encoding.ASCII.GetString(user.HostPort));
    }

    [Fact]
    public void ABadRowStopsStartUpWithFileAndLine()
    {
        _table.Write(DispatcherTable.Header + "\n1:1:sip\\:127.0.0.2\\:5070::0:0:1:0::\n2:1:mailto\\:x@y::0:0:1:0::\n");
        Assert.Contains($"{_table.File}:3: destination 'mailto:x@y'", Errors(Head() + "route { ds_select_dst(1, 4); }\n"), StringComparison.Ordinal);
        _table.Write(DispatcherTable.Header + "\n1:1:sip\\:127.0.0.2\\:5070::7:0:1:0::\n");
        Assert.Contains($"{_table.File}:2: state 7", Errors(Head() + "route { ds_select_dst(1, 4); }\n"), StringComparison.Ordinal);
        _table.Write(DispatcherTable.Header + "\n1:1:sip\\:127.0.0.2\\:5070::0:0:heavy:0::\n");
        Assert.Contains($"{_table.File}:2: weight 'heavy'", Errors(Head() + "route { ds_select_dst(1, 4); }\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void ListFileTakesTheTableOrThePlainListOfKamailioAndOpenSips1()
    {
        string list = Path.Combine(_table.Directory, "dispatcher.list");
        File.WriteAllText(list, "# set destination flags priority attrs\n1 sip:127.0.0.2:5070 0 0\n\n1 sip:127.0.0.3:5070 1 5 weight=4;duid=b\n2 sip:127.0.0.4:5070\n");
        var catalog = new ModuleCatalog();
        catalog.CompileText($"loadmodule \"dispatcher.so\"\nmodparam(\"dispatcher\", \"ds_list_file\", \"{list}\")\nroute {{ ds_select_dst(1, 4); }}\n");
        DispatcherSnapshot snap = catalog.Dispatcher.Snapshot;
        DispatcherDestination b = snap.Data.Sets[0].Destinations[0];
        Assert.Equal(("sip:127.0.0.3:5070", 4, 5, 4), (b.Uri, b.Weight, b.Priority, b.Line));
        Assert.Equal(DispatcherState.Inactive, snap.States[b.Index]);
        Assert.Equal("weight=4;duid=b", System.Text.Encoding.ASCII.GetString(b.Attrs));
        Assert.Equal([1, 2], snap.Data.Sets.Select(s => s.Id));

        File.WriteAllText(list, "1 sip:127.0.0.2:5070\n1 tel:+123\n");
        Assert.Contains($"{list}:2: destination 'tel:+123'", Errors($"loadmodule \"dispatcher.so\"\nmodparam(\"dispatcher\", \"ds_list_file\", \"{list}\")\nroute {{ ds_select_dst(1, 4); }}\n"), StringComparison.Ordinal);
        Assert.Contains("not both", Errors(Head() + $"modparam(\"dispatcher\", \"ds_list_file\", \"{list}\")\nroute {{ ds_select_dst(1, 4); }}\n"), StringComparison.Ordinal);

        // The db_text table named directly.
        var table = new ModuleCatalog();
        table.CompileText($"loadmodule \"dispatcher.so\"\nmodparam(\"dispatcher\", \"ds_list_file\", \"{_table.File}\")\nroute {{ ds_select_dst(1, 4); }}\n");
        Assert.Equal(3, table.Dispatcher.Snapshot.Data.All.Length);
    }

    [Theory]
    [InlineData("ds_select_dst(1, 7)", "algorithm 7")]
    [InlineData("ds_select_dst(1, 9)", "algorithm 9")]
    [InlineData("ds_select_dst(1, 10)", "algorithm 10")]
    [InlineData("ds_select_dst(1, 42)", "unknown algorithm 42")]
    [InlineData("ds_select_dst(1, 4, \"fz\")", "unknown flag 'z'")]
    [InlineData("ds_select_dst(1, 4, \"a\")", "flag 'a'")]
    [InlineData("ds_select_dst(1, 4, \"f\", \"p2\")", "partition 'p2'")]
    [InlineData("ds_mark_dst(\"x\")", "not a state")]
    public void UnsupportedArgumentsStopStartUp(string call, string message)
    {
        string errors = Errors(Head() + $"route {{ {call}; }}\n");
        Assert.Contains(message, errors, StringComparison.Ordinal);
        Assert.Contains("test.cfg:", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingDatabaseAndProbingWithoutTmStopStartUp()
    {
        Assert.Contains("db_url must be set", Errors("loadmodule \"dispatcher.so\"\nroute { ds_select_dst(1, 4); }\n"), StringComparison.Ordinal);
        Assert.StartsWith("test.cfg:2:1: module dispatcher: db_url must be set", Errors("loadmodule \"dispatcher.so\"\nroute { ds_is_in_list(\"$si\", 0); }\n"), StringComparison.Ordinal);
        Assert.StartsWith("test.cfg:3:1: module dispatcher: ds_ping_interval needs the tm module", Errors("loadmodule \"dispatcher.so\"\n" + $"modparam(\"dispatcher\", \"db_url\", \"{_table.DbUrl}\")\n"
            + "modparam(\"dispatcher\", \"ds_ping_interval\", 5)\nroute { ds_select_dst(1, 4); }\n"), StringComparison.Ordinal);
        Assert.Contains("hash_pvar", Errors(Head("modparam(\"dispatcher\", \"hash_pvar\", \"$fU\")\n") + "route { ds_select_dst(1, 4); }\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void MiListsSetsStatesAndChangesThem()
    {
        var catalog = new ModuleCatalog();
        catalog.CompileText(Head() + "route { ds_select_dst(1, 4); }\n");
        MiCommand list = catalog.Dispatcher.Exports.MiCommands.Single(c => c.Name == "ds_list");
        MiCommand set = catalog.Dispatcher.Exports.MiCommands.Single(c => c.Name == "ds_set_state");
        MiCommand reload = catalog.Dispatcher.Exports.MiCommands.Single(c => c.Name == "ds_reload");
        string json = list.Handler(Args(("full", "1")))!.ToJsonString();
        Assert.Contains("\"PARTITIONS\":[{\"name\":\"default\",\"SETS\":[{\"id\":1,\"Destinations\":[{\"URI\":\"sip:127.0.0.3:5070\",\"state\":\"Active\"", json, StringComparison.Ordinal);
        Assert.Contains("\"attr\":\"x=1\",\"weight\":3,\"priority\":5,\"description\":\"second\"", json, StringComparison.Ordinal);
        Assert.Equal("\"OK\"", set.Handler(Args(("state", "i"), ("group", "1"), ("address", "sip:127.0.0.2:5070")))!.ToJsonString());
        Assert.Contains("\"URI\":\"sip:127.0.0.2:5070\",\"state\":\"Inactive\"", list.Handler(Args())!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(404, Assert.Throws<MiException>(() => set.Handler(Args(("state", "a"), ("group", "1"), ("address", "sip:nowhere")))).Code);

        // ds_reload keeps the state of a URI that is still there, and picks up new rows.
        _table.Write(new Row(1, "sip:127.0.0.2:5070"), new Row(3, "sip:127.0.0.5:5070"));
        Assert.Equal("\"OK\"", reload.Handler(Args())!.ToJsonString());
        string after = list.Handler(Args())!.ToJsonString();
        Assert.Contains("\"URI\":\"sip:127.0.0.2:5070\",\"state\":\"Inactive\"", after, StringComparison.Ordinal);
        Assert.Contains("\"id\":3", after, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.3", after, StringComparison.Ordinal);
        Assert.Equal("\"OK\"", reload.Handler(Args(("inherit_state", "n")))!.ToJsonString());
        Assert.Contains("\"URI\":\"sip:127.0.0.2:5070\",\"state\":\"Active\"", list.Handler(Args())!.ToJsonString(), StringComparison.Ordinal);
    }

    private static MiArguments Args(params (string Name, string Value)[] values)
    {
        var d = new Dictionary<string, System.Text.Json.Nodes.JsonNode?>();
        foreach ((string n, string v) in values)
        {
            d[n] = System.Text.Json.Nodes.JsonValue.Create(v);
        }

        return new MiArguments(d);
    }
}
