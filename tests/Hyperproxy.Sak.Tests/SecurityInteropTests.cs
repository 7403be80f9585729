using System.Diagnostics;

namespace Hyperproxy.Sak.Tests;

/// <summary>
/// One db_text directory (subscriber + version, in the format both OpenSIPS's and Kamailio's db_text read) behind
/// two registrars that challenge every REGISTER: Hyperproxy's auth_db (hyperproxy/auth-registrar.cfg) and
/// Kamailio 5.6's auth_db (kamailio/auth-db.cfg).
/// </summary>
public sealed class AuthDbPeers : IDisposable
{
    public AuthDbPeers()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("hp-authdb-").FullName;
        File.WriteAllText(System.IO.Path.Combine(Directory, "subscriber"),
            "id(int,auto) username(string) domain(string) password(string) ha1(string) ha1b(string)\n"
            + "1:alice:127.0.0.1:secret:x:x\n2:bob:127.0.0.1:hunter2:x:x\n3:carol:127.0.0.1:c4rol:x:x\n4:dave:127.0.0.1:d4ve:x:x\n");
        File.WriteAllText(System.IO.Path.Combine(Directory, "version"), "table_name(string) table_version(int)\nsubscriber:7\nlocation:9\n");
        string kamailioCfg = System.IO.Path.Combine(Directory, "kamailio-template.cfg");
        File.WriteAllText(kamailioCfg, File.ReadAllText(System.IO.Path.Combine(Peers.RepoRoot, "tests", "Hyperproxy.Sak.Tests", "kamailio", "auth-db.cfg"))
            .Replace("@DB@", Directory, StringComparison.Ordinal));
        string hyperproxyCfg = System.IO.Path.Combine(Directory, "hyperproxy.cfg");
        File.WriteAllText(hyperproxyCfg, File.ReadAllText(System.IO.Path.Combine(Peers.RepoRoot, "tests", "Hyperproxy.Sak.Tests", "hyperproxy", "auth-registrar.cfg"))
            .Replace("@DB@", Directory, StringComparison.Ordinal));
        Kamailio = new KamailioPeer(kamailioCfg);
        Hyperproxy = new ScriptedHyperproxyPeer(hyperproxyCfg);
    }

    public string Directory { get; }

    public KamailioPeer Kamailio { get; }

    public HyperproxyPeer Hyperproxy { get; }

    public void Dispose()
    {
        Hyperproxy.Dispose();
        Kamailio.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Hyperproxy on a free port running a script file.</summary>
public sealed class ScriptedHyperproxyPeer(string config) : HyperproxyPeer("127.0.0.1", "--config " + config);

public sealed class SecurityInteropTests(AuthDbPeers peers) : IClassFixture<AuthDbPeers>
{
    [Theory]
    [InlineData("alice", "alice", "secret", 0)]
    [InlineData("bob", "bob", "hunter2", 0)]
    [InlineData("alice", "alice", "wrong", 2)]
    [InlineData("mallory", "mallory", "secret", 2)]
    public void SipsakRegistersWithTheSameOutcomeAsAgainstKamailio(string user, string authUser, string password, int expected)
    {
        var hyperproxy = Peers.Exec("sipsak", $"-U -a {password} -u {authUser} -s sip:{user}@127.0.0.1:{peers.Hyperproxy.Port}");
        var kamailio = Peers.Exec("sipsak", $"-U -a {password} -u {authUser} -s sip:{user}@127.0.0.1:{peers.Kamailio.Port}");
        Assert.True(expected == hyperproxy.Code, $"hyperproxy: {hyperproxy.Code}\n{hyperproxy.Out}\n{hyperproxy.Err}");
        Assert.True(kamailio.Code == hyperproxy.Code, $"kamailio {kamailio.Code}, hyperproxy {hyperproxy.Code}\n{kamailio.Out}\n{kamailio.Err}");
    }

    [Fact]
    public void CredentialsOfAnotherUserAreRefusedByBoth()
    {
        // bob's password, alice's To: both registrars check the To user against the authentication user.
        var hyperproxy = Peers.Exec("sipsak", $"-U -a hunter2 -u bob -s sip:alice@127.0.0.1:{peers.Hyperproxy.Port}");
        var kamailio = Peers.Exec("sipsak", $"-U -a hunter2 -u bob -s sip:alice@127.0.0.1:{peers.Kamailio.Port}");
        Assert.NotEqual(0, hyperproxy.Code);
        Assert.Equal(kamailio.Code, hyperproxy.Code);
    }

    [Fact]
    public void HypersakRegistersMessagesAndRemovesWithTheRightPassword()
    {
        // The whole -U run: REGISTER (challenged), MESSAGE to itself through the registrar (lookup + forward back to
        // hypersak, which answers 200), REGISTER Expires 0 (challenged again). dave is hypersak's own user: the real
        // sipsak's -U above only registers alice (no -M) and leaves that binding; the oldest of equal-q bindings wins
        // lookup (OpenSIPS's desc_time_order 0), so a MESSAGE to alice would go to sipsak's closed port, unanswered.
        var (code, output, error) = Peers.Sak("-U", "-a", "d4ve", "-s", $"sip:dave@127.0.0.1:{peers.Hyperproxy.Port}");
        Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
        Assert.Contains("registering user dave ... SIP/2.0 200 OK", output, StringComparison.Ordinal);
        Assert.Contains("the MESSAGE reached us and was answered 200", output, StringComparison.Ordinal);
        Assert.Contains("all usrloc tests completed successfully", output, StringComparison.Ordinal);
    }

    [Fact]
    public void SippRegistersWithAuthenticationKeyword()
    {
        // carol, a user of her own: SIPp never removes its binding, and a stale alice binding (oldest first among
        // equal q, as OpenSIPS's desc_time_order 0) would take the MESSAGE of the sipsak/hypersak -U runs.
        string scenario = System.IO.Path.Combine(peers.Directory, "register-auth.xml");
        File.WriteAllText(scenario, """
            <?xml version="1.0" encoding="ISO-8859-1" ?>
            <scenario name="register with digest">
              <send retrans="500">
                <![CDATA[
            REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
            Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
            From: <sip:carol@[remote_ip]>;tag=[call_number]
            To: <sip:carol@[remote_ip]>
            Call-ID: [call_id]
            CSeq: 1 REGISTER
            Contact: <sip:carol@[local_ip]:[local_port]>
            Max-Forwards: 70
            Expires: 60
            Content-Length: 0

            ]]>
              </send>
              <recv response="401" auth="true"/>
              <send retrans="500">
                <![CDATA[
            REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
            Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
            From: <sip:carol@[remote_ip]>;tag=[call_number]
            To: <sip:carol@[remote_ip]>
            Call-ID: [call_id]
            CSeq: 2 REGISTER
            Contact: <sip:carol@[local_ip]:[local_port]>
            [authentication username=carol password=c4rol]
            Max-Forwards: 70
            Expires: 60
            Content-Length: 0

            ]]>
              </send>
              <recv response="200"/>
            </scenario>
            """);
        int local = Peers.FreeUdpPort();
        var r = Peers.Exec("sipp", $"-sf {scenario} -m 3 -l 1 -r 10 -timeout 20s -timeout_error -i 127.0.0.1 -p {local} -nostdin 127.0.0.1:{peers.Hyperproxy.Port}", 40_000);
        Assert.True(r.Code == 0, $"sipp {r.Code}\n{r.Out}\n{r.Err}");
    }
}
