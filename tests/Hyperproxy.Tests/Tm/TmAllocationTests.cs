using System.Text;
using Hyperproxy.Modules;
using Hyperproxy.Proxy;
using Hyperproxy.Proxy.Transactions;
using Hyperproxy.Sip;
using Hyperproxy.Testing;
using Hyperproxy.Transport;

namespace Hyperproxy.Tests.Tm;

/// <summary>
/// Whole call flows through t_relay on one worker with a manual clock, from preallocated bytes only:
/// INVITE (100 Trying, forwarded), 180, 200 relayed, the end-to-end ACK relayed statelessly, BYE forwarded and
/// its 200 relayed; the wait timer frees both transactions. Steady state allocates nothing and the table empties.
/// </summary>
public sealed class TmAllocationTests
{
    private const string RecordRouteScript = TmHarness.Head + "loadmodule \"rr.so\"\n"
        + "route {\n  if (has_totag()) { loose_route(); t_relay(); exit; }\n  record_route();\n  $du = \"sip:127.0.0.2:5070\";\n  t_relay();\n}\n";

    private readonly CallFlow _flow = new(RecordRouteScript);

    [Fact]
    public void HundredThousandCallFlowsAllocateNothingAndLeaveTheTableEmpty()
    {
        _flow.Calls(2_000); // warm-up: slots, buffers and timer arrays grow to the load
        long allocated = Allocations.Least(() => _flow.Calls(100_000));
        Assert.Equal(0, allocated);
        _flow.Drain();
        Assert.Equal(0, _flow.Table.Count);
        Assert.True(_flow.Relayed >= 100_000 * 3L, $"relayed {_flow.Relayed}"); // 180, 200 and the BYE's 200 of every call
    }

    /// <summary>Drives call flows through one proxy from fixed-width templates rewritten in place.</summary>
    internal sealed class CallFlow
    {
        private static readonly NetAddress Uac = TmHarness.Uac;
        private static readonly NetAddress Uas = TmHarness.Uas1;
        private readonly ProxyCounters[] _counters = new ProxyCounters[1];
        private readonly ManualTmClock _clock = new();
        private readonly StatelessProxy _proxy;
        private readonly DatagramBatch _out = new(64, 16384);
        private readonly byte[] _invite;
        private readonly byte[] _ack;
        private readonly byte[] _bye;
        private readonly byte[] _input = new byte[16384];
        private readonly byte[] _reply = new byte[16384];
        private readonly int[] _inviteDigits;
        private readonly int[] _ackDigits;
        private readonly int[] _byeDigits;
        private long _call;

        public CallFlow(string script)
        {
            var catalog = new ModuleCatalog();
            _proxy = new StatelessProxy(new ProxyIdentity([TmHarness.Us], [null]), new NextHopResolver(_ => throw new System.Net.Sockets.SocketException(11001)),
                _counters, 0, catalog.CompileText(script), null, null, clock: _clock);
            _invite = Template("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-i########;rport\r\n"
                + "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\n"
                + "Call-ID: ########@uac\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.9:40000>\r\nContent-Length: 0\r\n\r\n", out _inviteDigits);
            _ack = Template("ACK sip:bob@127.0.0.2:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-a########;rport\r\n"
                + "Route: <sip:127.0.0.1:5060;lr>\r\nMax-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b1\r\n"
                + "Call-ID: ########@uac\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n", out _ackDigits);
            _bye = Template("BYE sip:bob@127.0.0.2:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:40000;branch=z9hG4bK-b########;rport\r\n"
                + "Route: <sip:127.0.0.1:5060;lr>\r\nMax-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b1\r\n"
                + "Call-ID: ########@uac\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n", out _byeDigits);
        }

        public TransactionTable Table => _proxy.TmTable!;

        public long Relayed => _counters[0].TmRelayedReplies;

        public void Calls(int count)
        {
            for (int i = 0; i < count; i++)
            {
                _call++;
                Stamp(_invite, _inviteDigits);
                Stamp(_ack, _ackDigits);
                Stamp(_bye, _byeDigits);
                Feed(_invite, Uac);
                int forwarded = _out.Count - 1; // after the 100 Trying
                int length = Response(forwarded, "SIP/2.0 180 Ringing"u8);
                int okLength = length;
                Feed(_reply, length, Uas);
                okLength = ResponseFromLast("SIP/2.0 200 OK"u8, _invite);
                Feed(_reply, okLength, Uas);
                Feed(_ack, Uac);
                Feed(_bye, Uac);
                int byeLength = Response(_out.Count - 1, "SIP/2.0 200 OK"u8);
                Feed(_reply, byeLength, Uas);
                if (_call % 500 == 0)
                {
                    Tick(6_000); // wt_timer (5 s) frees the finished transactions
                }
            }
        }

        /// <summary>
        /// Calls whose callee answers 180 and holds (run-bench's stateful-hold): each leaves an INVITE transaction in
        /// flight with its request as received, its branch as sent and the 180 as relayed.
        /// </summary>
        public void Hold(int count)
        {
            for (int i = 0; i < count; i++)
            {
                _call++;
                Stamp(_invite, _inviteDigits);
                Feed(_invite, Uac);
                int length = Response(_out.Count - 1, "SIP/2.0 180 Ringing"u8);
                Feed(_reply, length, Uas);
            }
        }

        /// <summary>The message bytes the table keeps for its transactions in use (requests, branches, replies, CANCELs, AVPs).</summary>
        public long MessageBytes()
        {
            long bytes = 0;
            TransactionTable table = Table;
            for (int i = 0; i < table.Created; i++)
            {
                Transaction t = table[i];
                if (!t.InUse)
                {
                    continue;
                }

                bytes += t.RequestLength + t.ReplyLength + t.AvpsLength;
                for (int b = 0; b < t.BranchCount; b++)
                {
                    ClientBranch branch = t.Branches[b];
                    bytes += branch.RequestLength + branch.FinalReplyLength + branch.CancelLength;
                }
            }

            return bytes;
        }

        /// <summary>Moves the clock past every wait timer and runs the timer turns.</summary>
        public void Drain()
        {
            for (int i = 0; i < 4; i++)
            {
                Tick(6_000);
            }
        }

        private void Tick(int ms)
        {
            _clock.Advance(ms);
            for (int i = 0; i < 1000 && _proxy.MillisecondsUntilDue() == 0; i++)
            {
                _out.Clear();
                _proxy.OnTimer(_out);
            }
        }

        private void Feed(byte[] datagram, in NetAddress from) => Feed(datagram, datagram.Length, from);

        private void Feed(byte[] datagram, int length, in NetAddress from)
        {
            _out.Clear();
            Buffer.BlockCopy(datagram, 0, _input, 0, length);
            _proxy.Process(_input, 0, length, from, 0, _out);
        }

        /// <summary>A response built from a request the proxy sent: the status line, then the request's headers as they are.</summary>
        private int Response(int slot, ReadOnlySpan<byte> statusLine)
        {
            ReadOnlySpan<byte> request = _out.Payload(slot);
            int lineEnd = request.IndexOf("\r\n"u8);
            statusLine.CopyTo(_reply);
            request[lineEnd..].CopyTo(_reply.AsSpan(statusLine.Length));
            _lastRequestLength = request.Length - lineEnd;
            request[lineEnd..].CopyTo(_lastRequest);
            return statusLine.Length + request.Length - lineEnd;
        }

        private readonly byte[] _lastRequest = new byte[16384];
        private int _lastRequestLength;

        /// <summary>Another response to the last request a response was built from.</summary>
        private int ResponseFromLast(ReadOnlySpan<byte> statusLine, byte[] unused)
        {
            statusLine.CopyTo(_reply);
            _lastRequest.AsSpan(0, _lastRequestLength).CopyTo(_reply.AsSpan(statusLine.Length));
            return statusLine.Length + _lastRequestLength;
        }

        private void Stamp(byte[] template, int[] digits)
        {
            foreach (int at in digits)
            {
                long v = _call;
                for (int i = 7; i >= 0; i--)
                {
                    template[at + i] = (byte)('0' + (v % 10));
                    v /= 10;
                }
            }
        }

        private static byte[] Template(string text, out int[] digits)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(text);
            var at = new List<int>();
            for (int i = text.IndexOf("########", StringComparison.Ordinal); i >= 0; i = text.IndexOf("########", i + 8, StringComparison.Ordinal))
            {
                at.Add(i);
            }

            digits = [.. at];
            return bytes;
        }
    }
}
