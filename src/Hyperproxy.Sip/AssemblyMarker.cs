namespace Hyperproxy.Sip;
internal static class AssemblyMarker { }
