namespace Hyperproxy.Script;
internal static class AssemblyMarker { }
