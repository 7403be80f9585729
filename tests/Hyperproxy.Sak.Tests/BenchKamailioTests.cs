using System.Text.Json;

namespace Hyperproxy.Sak.Tests;

public sealed class RegistrarKamailio : KamailioPeer
{
    public RegistrarKamailio()
        : base(RegistrarConfig)
    {
    }
}

public sealed class BenchKamailioTests : IClassFixture<RegistrarKamailio>
{
    private readonly RegistrarKamailio _kamailio;

    public BenchKamailioTests(RegistrarKamailio kamailio) => _kamailio = kamailio;

    [Fact]
    public void RegisterBenchAgainstKamailioGetsA200ForEveryRegisterAndRisingCSeqAcrossRuns()
    {
        for (int run = 0; run < 2; run++)
        {
            var (code, output, error) = Peers.Sak("bench", "--target", $"127.0.0.1:{_kamailio.Port}", "--scenario", "register",
                "--users", "200", "--count", "2000", "--window", "32", "--path", "sip:127.0.0.1:15999;lr", "--json");
            Assert.True(code == 0, output + error);
            using JsonDocument json = JsonDocument.Parse(output);
            JsonElement r = json.RootElement;
            Assert.Equal(2000, r.GetProperty("received").GetInt64());
            Assert.Equal(2000, r.GetProperty("by_class").GetProperty("2xx").GetInt64());
        }
    }
}
