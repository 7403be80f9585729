using System.Text;
using Hyperproxy.Modules.DbText;

namespace Hyperproxy.Modules.Tests.Auth;

public sealed class DbTextTests
{
    private static DbTextTable Parse(string text) => DbTextTable.Parse("t", "/db/t", Encoding.UTF8.GetBytes(text));

    [Fact]
    public void ColumnsRowsEscapesNullAndAutoIds()
    {
        DbTextTable t = Parse("id(int,auto) name(string) note(str,null)\n:a\\:b:\n7:c\\\\d:x\\ty\n:e:\n");
        Assert.Equal(3, t.RowCount);
        Assert.Equal("a:b", Encoding.UTF8.GetString(t.Field(0, 1)!));
        Assert.Null(t.Field(0, 2));
        Assert.Equal("c\\d", Encoding.UTF8.GetString(t.Field(1, 1)!));
        Assert.Equal("x\ty", Encoding.UTF8.GetString(t.Field(1, 2)!));
        Assert.Equal("8", Encoding.UTF8.GetString(t.Field(0, 0)!));
        Assert.Equal("9", Encoding.UTF8.GetString(t.Field(2, 0)!));
        Assert.Equal(1, t.ColumnIndex("NAME"));
    }

    [Theory]
    [InlineData("id(int) name(string)\n1:a:b\n", "/db/t:2: the row has more fields")]
    [InlineData("id(int) name(string)\n1\n", "/db/t:2: the row has 1 fields, line 1 declares 2 columns")]
    [InlineData("id(int) name(string)\n1:a\nx:b\n", "/db/t:3: column 'id' (int) has a value that is not a number")]
    [InlineData("id(int) name(string)\n1:\n", "/db/t:2: column 'name' is empty (NULL) but not declared null")]
    [InlineData("id(int) name(varchar)\n", "/db/t:1: column 'name' has unknown type 'varchar'")]
    [InlineData("id(int) name\n", "/db/t:1: column definition 'name' is not name(type[,attr])")]
    [InlineData("", "/db/t:1: empty file")]
    public void BadRowsNameFileAndLine(string text, string message)
    {
        var e = Assert.Throws<DbTextException>(() => Parse(text));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void BadSubscriberRowStopsStartUpWithFileLineAndNoPassword()
    {
        string dir = Directory.CreateTempSubdirectory("hp-dbt-").FullName;
        try
        {
            File.WriteAllText(System.IO.Path.Combine(dir, "subscriber"), AuthRig.SubscriberFile() + "3:carol:example.com:topsecret\n");
            var catalog = new ModuleCatalog();
            string script = $$"""
                loadmodule "sl.so"
                loadmodule "db_text.so"
                loadmodule "auth.so"
                loadmodule "auth_db.so"
                modparam("auth_db", "db_url", "text://{{dir}}")
                route { if (!www_authorize("", "subscriber")) { www_challenge("", "auth"); } }
                """;
            Assert.Null(catalog.TryLoadText(script, "a.cfg", out var errors));
            string error = Assert.Single(errors).ToString();
            Assert.Contains($"{dir}/subscriber:4: the row has 4 fields, line 1 declares 7 columns", error);
            Assert.StartsWith("a.cfg:5:", error);
            Assert.DoesNotContain("topsecret", error);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("mysql://opensips:pw@localhost/opensips", "the mysql database is not built into Hyperproxy")]
    [InlineData("text:///nonexistent-hp-dir", "directory /nonexistent-hp-dir does not exist")]
    public void UnusableDbUrlStopsStartUp(string url, string message)
    {
        var catalog = new ModuleCatalog();
        string script = $$"""
            loadmodule "sl.so"
            loadmodule "db_text.so"
            loadmodule "auth.so"
            loadmodule "auth_db.so"
            modparam("auth_db", "db_url", "{{url}}")
            route { if (!www_authorize("", "subscriber")) { www_challenge("", "auth"); } }
            """;
        Assert.Null(catalog.TryLoadText(script, "a.cfg", out var errors));
        Assert.Contains(message, Assert.Single(errors).ToString());
        Assert.DoesNotContain(":pw@", Assert.Single(errors).ToString());
    }

    [Theory]
    [InlineData("www_challenge(\"\", \"auth\", \"SHA-512-256\")", "SHA-512/256) is not supported")]
    [InlineData("www_challenge(\"\", \"foo\")", "qop 'foo' is not auth, auth-int")]
    [InlineData("www_challenge(\"\", \"auth\", \"MD6\")", "unknown algorithm 'MD6'")]
    public void BadChallengeArgumentsStopStartUp(string call, string message)
    {
        var catalog = new ModuleCatalog();
        string script = $"loadmodule \"sl.so\"\nloadmodule \"auth.so\"\nroute {{ {call}; }}\n";
        Assert.Null(catalog.TryLoadText(script, "a.cfg", out var errors));
        Assert.Contains(message, Assert.Single(errors).ToString());
    }

    [Fact]
    public void SecretMustBe32Characters()
    {
        var catalog = new ModuleCatalog();
        Assert.Null(catalog.TryLoadText("loadmodule \"auth.so\"\nmodparam(\"auth\", \"secret\", \"short\")\nroute { exit; }\n", "a.cfg", out var errors));
        Assert.Contains("exactly 32 characters", Assert.Single(errors).ToString());
    }
}
