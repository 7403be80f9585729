using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Modules.Nathelper;

/// <summary>fix_nated_contact, add_rcv_param, fix_nated_register (spec §1.2): edits recorded like OpenSIPS lumps.</summary>
public sealed partial class NathelperModule
{
    /// <summary>
    /// In every Contact URI, <c>host[:port]</c> becomes the source <c>ip:port</c> and a <c>maddr</c> parameter goes;
    /// <paramref name="uriParams"/> is appended inside the brackets. A second call on the same message fails.
    /// </summary>
    public static int FixNatedContact(ScriptContext context, ReadOnlySpan<byte> uriParams)
    {
        NatMessageState state = context.ModuleState<NatMessageState>();
        if (state.ContactFixed)
        {
            return ScriptResult.False;
        }

        SipMessage m = context.Message;
        Span<byte> hostPort = stackalloc byte[64];
        if (!context.Source.TryFormat(hostPort, out int hostPortLength))
        {
            return ScriptResult.False;
        }

        bool any = false;
        long mark = context.Edits.Mark;
        NameAddrEnumerator e = m.NameAddrs(HeaderId.Contact);
        while (e.MoveNext())
        {
            ref readonly NameAddr na = ref e.Current;
            if (na.IsStar)
            {
                continue;
            }

            ReadOnlySpan<byte> text = m.Span(na.Uri);
            if (!SipUri.TryParse(text, out SipUri uri) || !uri.Host.IsPresent)
            {
                continue;
            }

            int baseOffset = na.Uri.Start;
            int end = uri.Port.IsPresent ? uri.Port.End : uri.Host.End;
            SipError error = context.Edits.Replace(TextRange.FromBounds(baseOffset + uri.Host.Start, baseOffset + end), hostPort[..hostPortLength]);
            if (error == SipError.None && uri.Maddr.IsPresent)
            {
                int semi = text[..uri.Maddr.Start].LastIndexOf((byte)';');
                if (semi >= 0)
                {
                    error = context.Edits.Delete(TextRange.FromBounds(baseOffset + semi, baseOffset + uri.Maddr.End));
                }
            }

            if (error == SipError.None && !uriParams.IsEmpty)
            {
                error = AppendToUri(context, na, uriParams, default);
            }

            if (error != SipError.None)
            {
                context.Edits.Rewind(mark);
                return ScriptResult.False;
            }

            any = true;
        }

        state.ContactFixed = true;
        return any ? ScriptResult.True : ScriptResult.False;
    }

    /// <summary>Appends <paramref name="a"/><paramref name="b"/> at the end of the Contact's URI, adding brackets when it had none.</summary>
    private static SipError AppendToUri(ScriptContext context, in NameAddr na, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        Span<byte> line = stackalloc byte[600];
        var w = new LineWriter(line);
        w.Append(a);
        w.Append(b);
        if (!na.HasBrackets)
        {
            w.Append((byte)'>');
        }

        if (w.Length < 0)
        {
            return SipError.EditArenaFull;
        }

        if (!na.HasBrackets)
        {
            SipError error = context.Edits.Insert(na.Uri.Start, "<"u8);
            if (error != SipError.None)
            {
                return error;
            }
        }

        return context.Edits.Insert(na.Uri.End, w.Written);
    }

    /// <summary><c>sip:srcip:srcport[;transport=proto]</c> (no transport for UDP); its length, -1 when it does not fit.</summary>
    internal static int WriteSourceUri(ScriptContext context, Span<byte> destination, bool escapeTransport)
    {
        var w = new LineWriter(destination);
        Span<byte> hostPort = stackalloc byte[64];
        if (!context.Source.TryFormat(hostPort, out int n))
        {
            return -1;
        }

        w.Append("sip:"u8);
        w.Append(hostPort[..n]);
        ReadOnlySpan<byte> transport = context.Host.SocketTransport(context.Socket);
        if (!transport.IsEmpty)
        {
            w.Append(escapeTransport ? "%3Btransport%3D"u8 : ";transport="u8);
            w.Append(transport);
        }

        return w.Length;
    }

    /// <summary>fix_nated_register(): the source URI into <c>received_avp</c> for the registrar; 1 (doing nothing) without the AVP.</summary>
    public int FixNatedRegister(ScriptContext context)
    {
        if (_receivedAvpSlot < 0)
        {
            return ScriptResult.True;
        }

        Span<byte> uri = stackalloc byte[128];
        int n = WriteSourceUri(context, uri, escapeTransport: false);
        return n > 0 && context.AddAvpCopy(_receivedAvpSlot, uri[..n]) ? ScriptResult.True : ScriptResult.False;
    }

    /// <summary>
    /// add_rcv_param([flag]): <c>;received="sip:ip:port[;transport=x]"</c> after every Contact (a header parameter),
    /// or with a flag &gt; 0 as a URI parameter (its <c>;</c> and <c>=</c> escaped, no quotes).
    /// </summary>
    public static int AddRcvParam(ScriptContext context, bool asUriParam)
    {
        SipMessage m = context.Message;
        Span<byte> uri = stackalloc byte[128];
        int n = WriteSourceUri(context, uri, escapeTransport: asUriParam);
        if (n < 0)
        {
            return ScriptResult.False;
        }

        Span<byte> param = stackalloc byte[160];
        var w = new LineWriter(param);
        w.Append(asUriParam ? ";received="u8 : ";received=\""u8);
        w.Append(uri[..n]);
        if (!asUriParam)
        {
            w.Append((byte)'"');
        }

        bool any = false;
        long mark = context.Edits.Mark;
        NameAddrEnumerator e = m.NameAddrs(HeaderId.Contact);
        while (e.MoveNext())
        {
            ref readonly NameAddr na = ref e.Current;
            if (na.IsStar)
            {
                continue;
            }

            SipError error = asUriParam ? AppendToUri(context, na, w.Written, default) : context.Edits.Insert(na.Value.End, w.Written);
            if (error != SipError.None)
            {
                context.Edits.Rewind(mark);
                return ScriptResult.False;
            }

            any = true;
        }

        return any ? ScriptResult.True : ScriptResult.False;
    }
}
