namespace Hyperproxy.Transport;
internal static class AssemblyMarker { }
