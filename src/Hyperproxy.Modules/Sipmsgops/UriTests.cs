using System.Text;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Modules.Sipmsgops;

/// <summary>has_totag and ruri_has_param.</summary>
internal static class UriTests
{
    /// <summary><c>has_totag()</c>: the To header has a non-empty tag (an in-dialog request).</summary>
    public static int HasToTag(ScriptContext c, CallArguments a) =>
        c.Message.ToTag is { IsPresent: true, Length: > 0 } ? ScriptResult.True : ScriptResult.False;

    /// <summary>ruri_has_param(name[, value]): the current R-URI has the parameter (with that value).</summary>
    public static int RuriHasParam(ScriptContext c, CallArguments a)
    {
        ReadOnlySpan<byte> uri = c.RequestUri;
        if (!SipUri.TryParse(uri, out SipUri u) || !u.Params.IsPresent)
        {
            return ScriptResult.False;
        }

        ReadOnlySpan<byte> name = a.Bytes(c, 0);
        ReadOnlySpan<byte> ps = uri.Slice(u.Params.Start, u.Params.Length);
        int pos = 0;
        while (SipParams.TryNext(ps, ref pos, out TextRange n, out TextRange v, out _))
        {
            if (!Ascii.EqualsIgnoreCase(ps.Slice(n.Start, n.Length), name))
            {
                continue;
            }

            if (a.Count < 2)
            {
                return ScriptResult.True;
            }

            return v.IsPresent && Ascii.EqualsIgnoreCase(ps.Slice(v.Start, v.Length), a.Bytes(c, 1)) ? ScriptResult.True : ScriptResult.False;
        }

        return ScriptResult.False;
    }
}
