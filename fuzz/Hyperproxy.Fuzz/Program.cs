using Hyperproxy.Fuzz.Targets;
using SharpFuzz;

namespace Hyperproxy.Fuzz;

/// <summary>
/// <c>hyperproxy-fuzz TARGET</c>: under afl-fuzz, SharpFuzz's persistent fork server feeding the target input after
/// input (alone, it runs stdin once). <c>hyperproxy-fuzz TARGET --replay PATH...</c>: every file (folders recursively)
/// once, each exception printed with its file; exit 1 when any threw. <c>hyperproxy-fuzz --assemblies TARGET</c>: the
/// assemblies fuzz/run.sh instruments for that target. Targets: parser, pipeline, stream, digest.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "--assemblies")
        {
            Console.WriteLine(string.Join(' ', FuzzTargets.InstrumentedAssemblies(args[1])));
            return 0;
        }

        if (args.Length < 1 || Array.IndexOf(FuzzTargets.Names, args[0]) < 0)
        {
            Console.Error.WriteLine($"usage: hyperproxy-fuzz TARGET [--replay PATH...] | --assemblies TARGET  (TARGET: {string.Join(", ", FuzzTargets.Names)})");
            return 2;
        }

        if (args.Length > 1 && args[1] == "--replay")
        {
            using IFuzzTarget replayed = FuzzTargets.Create(args[0]);
            return Replay(replayed, args.AsSpan(2));
        }

        // Instrumented code writes to afl's shared map, which exists only once Fuzzer.Run has attached it: the
        // target (instrumented constructors included) is built inside the first run.
        IFuzzTarget? target = null;
        var buffer = new MemoryStream();
        Fuzzer.Run(stream =>
        {
            target ??= FuzzTargets.Create(args[0]);
            buffer.SetLength(0);
            stream.CopyTo(buffer);
            target.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        });
        return 0;
    }

    private static int Replay(IFuzzTarget target, ReadOnlySpan<string> paths)
    {
        int files = 0, failed = 0;
        foreach (string path in paths)
        {
            IEnumerable<string> list = Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order() : [path];
            foreach (string file in list)
            {
                files++;
                try
                {
                    target.Run(File.ReadAllBytes(file));
                }
                catch (Exception e)
                {
                    failed++;
                    Console.WriteLine($"{file}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                }
            }
        }

        Console.WriteLine($"replayed {files} inputs, {failed} threw");
        return failed == 0 ? 0 : 1;
    }
}
