using Hyperproxy.Location.Records;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Registrar;

/// <summary>
/// lookup()'s pre-loaded Route set: a binding's Path as one <c>Route: &lt;p1&gt;,&lt;p2&gt;</c> header line, which the
/// request (or its branch) gets on top of its Route set when it leaves — before the first Route, or after the last Via
/// when there is none (OpenSIPS insert_path_as_route; <see cref="ScriptContext.PreloadedRoute"/>).
/// </summary>
internal static class PathRouteLine
{
    /// <summary>
    /// Writes <c>Route: &lt;p1&gt;,&lt;p2&gt;...\r\n</c> for the binding's Path into <paramref name="into"/>: its length,
    /// or -1 when it does not fit (0 when the binding has no Path).
    /// </summary>
    public static int TryWrite(in ContactView contact, Span<byte> into)
    {
        if (contact.PathCount == 0)
        {
            return 0;
        }

        ReadOnlySpan<byte> head = RegistrarStrings.RouteHeader;
        if (head.Length > into.Length)
        {
            return -1;
        }

        head.CopyTo(into);
        int n = head.Length;
        foreach (ReadOnlySpan<byte> uri in contact.Path)
        {
            if (n + uri.Length + 5 > into.Length)
            {
                return -1;
            }

            if (n > head.Length)
            {
                into[n++] = (byte)',';
            }

            into[n++] = (byte)'<';
            uri.CopyTo(into[n..]);
            n += uri.Length;
            into[n++] = (byte)'>';
        }

        into[n++] = (byte)'\r';
        into[n++] = (byte)'\n';
        return n;
    }
}
