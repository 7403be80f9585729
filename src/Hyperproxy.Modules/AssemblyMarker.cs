namespace Hyperproxy.Modules;
internal static class AssemblyMarker { }
