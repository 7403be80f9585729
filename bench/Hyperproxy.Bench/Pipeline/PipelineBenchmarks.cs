using System.Text;
using BenchmarkDotNet.Attributes;
using Hyperproxy.Bench.Sip;
using Hyperproxy.Testing;
using Hyperproxy.Transport;

namespace Hyperproxy.Bench.Pipeline;

/// <summary>
/// The whole pipeline of one worker, datagram in to datagram out, over the in-memory batch I/O
/// (<see cref="PipelineRig"/>, the same rig PipelineTests checks): receive a batch of 64, parse, stamp
/// the Via, run the script, apply the edits in one copy, send. Options: an OPTIONS ping for the proxy
/// answered 200 by the default script. Register: the corpus's RFC 3261 REGISTER saved by the registrar
/// (FASTER, durability none) and answered 200 with the binding. ForwardInvite: the corpus's INVITE with
/// SDP relayed by forward() (Max-Forwards, received, our Via). Baseline: the same I/O with a handler that
/// echoes each datagram (the cost of the seam alone, no SIP).
/// Run: dotnet run -c Release --project bench/Hyperproxy.Bench -- --filter '*PipelineBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class PipelineBenchmarks
{
    private const int Turns = 16;
    private const int Operations = Turns * PipelineRig.Batch;

    private readonly InMemoryBatchIo _echoIo = new(capacity: PipelineRig.Batch);
    private readonly EchoHandler _echo = new();
    private readonly byte[] _ping = Encoding.ASCII.GetBytes(PipelineRig.OptionsPing);
    private PipelineRig _options = null!;
    private PipelineRig _register = null!;
    private PipelineRig _invite = null!;

    [GlobalSetup]
    public void Setup()
    {
        _options = Checked(PipelineRig.Options());
        _register = Checked(PipelineRig.Register(BenchCorpus.Load));
        _invite = Checked(PipelineRig.Invite(BenchCorpus.Load));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _options.Dispose();
        _register.Dispose();
        _invite.Dispose();
        _echoIo.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public int InMemoryEcho()
    {
        int sent = 0;
        for (int turn = 0; turn < Turns; turn++)
        {
            _echoIo.ClearSent();
            for (int i = 0; i < PipelineRig.Batch; i++)
            {
                _echoIo.Enqueue(_ping, PipelineRig.Client);
            }

            sent += _echoIo.Run(_echo);
        }

        return sent;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public int Options() => Run(_options);

    [Benchmark(OperationsPerInvoke = Operations)]
    public int Register() => Run(_register);

    [Benchmark(OperationsPerInvoke = Operations)]
    public int ForwardInvite() => Run(_invite);

    private static int Run(PipelineRig rig)
    {
        int sent = 0;
        for (int turn = 0; turn < Turns; turn++)
        {
            sent += rig.RunBatch();
        }

        return sent;
    }

    /// <summary>A rig whose batch does not come out whole measures the wrong thing: refuse to run.</summary>
    private static PipelineRig Checked(PipelineRig rig)
    {
        int sent = rig.RunBatch();
        if (sent != PipelineRig.Batch)
        {
            throw new InvalidOperationException($"pipeline sent {sent} of {PipelineRig.Batch} datagrams");
        }

        return rig;
    }

    private sealed class EchoHandler : IBatchHandler
    {
        public void Handle(DatagramBatch received, DatagramBatch outgoing)
        {
            for (int i = 0; i < received.Count; i++)
            {
                ref readonly DatagramInfo info = ref received.Info(i);
                outgoing.TryAdd(received.Payload(i), info.Peer, info.SocketIndex);
            }
        }
    }
}
