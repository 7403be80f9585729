using BenchmarkDotNet.Running;

// A profiler's target: whole calls through the stateful-call (or stateless-call) script for N seconds, e.g.
//   dotnet-trace collect -- dotnet Hyperproxy.Bench.dll --tm-call-loop 10 [stateless]
if (args.Length >= 2 && args[0] == "--tm-call-loop")
{
    bool stateless = args.Length > 2 && args[2] == "stateless";
    double rate = Hyperproxy.Bench.Tm.TmCallFlowBenchmarks.Loop(double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), stateless);
    Console.WriteLine($"{(stateless ? "stateless" : "stateful")} calls/s (in memory, one thread): {rate:F0}");
    return;
}

// Every benchmark class in this assembly is selectable: dotnet run -c Release -- --filter '*Sip*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
