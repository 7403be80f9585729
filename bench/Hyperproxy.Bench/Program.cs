using BenchmarkDotNet.Running;

// A profiler's target: whole calls through the stateful-call (or stateless-call) script for N seconds, e.g.
//   dotnet-trace collect -- dotnet Hyperproxy.Bench.dll --tm-call-loop 10 [stateless] [--rate CALLS_PER_S]
// --rate: the clock moves as at that call rate, so the table holds every transaction for wt_timer (a server's size).
if (args.Length >= 2 && args[0] == "--tm-call-loop")
{
    bool stateless = args.Contains("stateless");
    int at = Array.IndexOf(args, "--rate");
    int callRate = at > 0 && at + 1 < args.Length ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : 0;
    double rate = Hyperproxy.Bench.Tm.TmCallFlowBenchmarks.Loop(double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), stateless, callRate, out double cpuRate);
    Console.WriteLine($"{(stateless ? "stateless" : "stateful")} calls/s (in memory, one thread): {rate:F0}, per CPU second: {cpuRate:F0}");
    return;
}

// Every benchmark class in this assembly is selectable: dotnet run -c Release -- --filter '*Sip*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
