namespace Hyperproxy.Location;
internal static class AssemblyMarker { }
