using System.Text;
using Hyperproxy.Location;
using Hyperproxy.Location.Faster;
using Hyperproxy.Modules;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Proxy;

/// <summary>A datagram whose handling throws (a bug) costs that datagram only, never its batch.</summary>
public sealed class StatelessProxyFaultTests
{
    private static readonly string[] s_users = ["alice", "bob", "boom", "carol", "dave"];

    [Fact]
    public void ADatagramThatThrowsMidBatchIsDroppedAloneWithWhatItHalfWroteAndTheOthersAreForwarded()
    {
        // Every request is forwarded first; for "boom" the script then calls lookup(), whose store throws:
        // the forward already written for boom must not be sent, those of the other four must.
        var catalog = new ModuleCatalog();
        CompiledScript script = catalog.CompileText(
            "loadmodule \"sl.so\"\nloadmodule \"usrloc.so\"\nloadmodule \"registrar.so\"\n"
            + "route {\n forward(\"127.0.0.3:5099\");\n if ($rU == \"boom\") lookup(\"location\");\n}\n", "t.cfg");
        using var store = new StoreWithABug(new FasterLocationStore(new LocationStoreOptions { ExpectedAors = 64 }));
        catalog.Registrar.UseStore(store);
        using var proxy = new ProxyHarness(script: script);
        var received = new DatagramBatch(8, 16384);
        foreach (string user in s_users)
        {
            byte[] invite = Encoding.ASCII.GetBytes(StatelessProxyRequestTests.Invite(ruri: $"sip:{user}@127.0.0.2:5070").ReplaceLineEndings("\r\n"));
            Assert.True(received.TryAdd(invite, ProxyHarness.Uac, 0));
        }

        proxy.Outgoing.Clear();
        proxy.Proxy.Handle(received, proxy.Outgoing);

        var sent = new List<string>();
        for (int i = 0; i < proxy.Outgoing.Count; i++)
        {
            string text = Encoding.ASCII.GetString(proxy.Outgoing.Payload(i));
            sent.Add(text[..text.IndexOf("\r\n", StringComparison.Ordinal)]);
        }

        Assert.Equal(
            ["INVITE sip:alice@127.0.0.2:5070 SIP/2.0", "INVITE sip:bob@127.0.0.2:5070 SIP/2.0",
             "INVITE sip:carol@127.0.0.2:5070 SIP/2.0", "INVITE sip:dave@127.0.0.2:5070 SIP/2.0"],
            sent);
        Assert.Equal(1, proxy.Counters.DatagramFaults);
        Assert.Equal(1, store.Thrown);
        Assert.Equal(5, proxy.Counters.RequestsReceived);
    }

    /// <summary>A location store whose reads of any AoR with "boom" in it throw, as a bug in a store would.</summary>
    private sealed class StoreWithABug(ILocationStore inner) : ILocationStore
    {
        public int Thrown { get; private set; }

        public Durability Durability => inner.Durability;

        public RecoveryReport Recovery => inner.Recovery;

        public ILocationSession NewSession() => new Session(this, inner.NewSession());

        public bool IsCommitted(CommitTicket ticket) => inner.IsCommitted(ticket);

        public bool Commit(CommitTicket ticket) => inner.Commit(ticket);

        public LocationStats GetStats() => inner.GetStats();

        public void Dispose() => inner.Dispose();

        private sealed class Session(StoreWithABug store, ILocationSession inner) : ILocationSession
        {
            public ReadStatus Read(ReadOnlySpan<byte> aor, Span<byte> buffer, out int length)
            {
                if (aor.IndexOf("boom"u8) >= 0)
                {
                    store.Thrown++;
                    throw new InvalidOperationException("a bug in the store");
                }

                return inner.Read(aor, buffer, out length);
            }

            public UpdateStatus Update<TUpdater>(ReadOnlySpan<byte> aor, ref TUpdater updater, out CommitTicket ticket)
                where TUpdater : struct, ILocationUpdater, allows ref struct => inner.Update(aor, ref updater, out ticket);

            public UpdateStatus Delete(ReadOnlySpan<byte> aor, out CommitTicket ticket) => inner.Delete(aor, out ticket);

            public void Dispose() => inner.Dispose();
        }
    }
}
