using System.Runtime.CompilerServices;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Modules.Rr;

/// <summary>loose_route(): RFC 3261 §16.4 Route processing and §16.6 steps 6–7, OpenSIPS semantics.</summary>
public sealed partial class RrModule
{
    /// <summary>
    /// Processes the Route set. Returns -1 when there is no Route (or it does not parse), and when a
    /// pre-loaded request (no To tag) had only our own entries (they are removed anyway); 1 otherwise,
    /// including a top Route that is not ours. Sets <c>$du</c> to a loose next hop, rewrites the
    /// R-URI for a strict one, sets <c>$rr_params</c> from our entry and runs the rr callbacks.
    /// </summary>
    public int LooseRoute(ScriptContext context)
    {
        SipMessage m = context.Message;
        context.ClearRouteParams();
        if (!m.IsRequest || !m.Has(HeaderId.Route))
        {
            return ScriptResult.False;
        }

        RrState s = State(context);
        RouteSet routes = s.Routes;
        if (!routes.Load(m) || routes.Count == 0 || !routes.TryUri(0, out _, out _))
        {
            return ScriptResult.False;
        }

        if (m.GetTo(out NameAddr to) != SipError.None)
        {
            return ScriptResult.False;
        }

        bool preloaded = !to.Tag.IsPresent || to.Tag.Length == 0;
        ReadOnlySpan<byte> ruri = context.RequestUri;
        if (!SipUri.TryParse(ruri, out SipUri ruriParsed))
        {
            return ScriptResult.False;
        }

        if (!preloaded && IsMe(context, ruri, ruriParsed) && !HasParam(ruri, ruriParsed, ModuleStrings.GrName))
        {
            return AfterStrict(context, s, ruri, ruriParsed);
        }

        return AfterLoose(context, s, preloaded);
    }

    private int AfterLoose(ScriptContext context, RrState s, bool preloaded)
    {
        SipMessage m = context.Message;
        RouteSet routes = s.Routes;
        routes.TryUri(0, out TextRange topRange, out SipUri top);
        ReadOnlySpan<byte> topText = m.Span(topRange);
        int next = 0;
        TextRange callbackParams = Params(topRange, top);
        if (IsMe(context, topText, top))
        {
            context.SetRouteParams(m.Span(Params(topRange, top)));
            routes.Delete(0);
            next = 1;
            bool paired = EnableDoubleRr && HasParam(topText, top, ModuleStrings.R2Name);
            if (paired && routes.Count > 1)
            {
                if (!routes.TryUri(1, out TextRange secondRange, out SipUri second))
                {
                    return ScriptResult.False;
                }

                ForceSocketOf(context, m.Span(secondRange), second);
                routes.Delete(1);
                callbackParams = Params(secondRange, second);
                next = 2;
            }
            else if (!preloaded)
            {
                context.ForcedSocket = context.Socket;
            }

            if (next >= routes.Count)
            {
                return Finish(context, s, m.Span(callbackParams), preloaded ? ScriptResult.False : ScriptResult.True);
            }
        }

        if (!routes.TryUri(next, out TextRange nRange, out SipUri n))
        {
            return ScriptResult.False;
        }

        ReadOnlySpan<byte> nText = m.Span(nRange);
        if (!n.Lr)
        {
            // RFC 3261 §16.6 step 6: the current Request-URI goes to the end of the Route set, the strict next hop into the R-URI.
            if (!AppendRoute(context, s, context.RequestUri) || !context.SetRequestUri(nText))
            {
                return ScriptResult.False;
            }

            routes.Delete(next);
        }
        else if (!SetDestination(context, s, nText, n))
        {
            return ScriptResult.False;
        }

        return Finish(context, s, m.Span(callbackParams), 1);
    }

    /// <summary>§16.4: the previous hop was a strict router and our Record-Route URI is the R-URI.</summary>
    private int AfterStrict(ScriptContext context, RrState s, ReadOnlySpan<byte> ruri, in SipUri ruriParsed)
    {
        SipMessage m = context.Message;
        RouteSet routes = s.Routes;
        int first = 0;
        routes.TryUri(0, out TextRange fRange, out SipUri f);
        if (EnableDoubleRr && HasParam(m.Span(fRange), f, ModuleStrings.R2Name) && IsMe(context, m.Span(fRange), f))
        {
            ForceSocketOf(context, m.Span(fRange), f);
            routes.Delete(0);
            if (routes.Count == 1)
            {
                if (routes.Flush(context.Edits) != SipError.None)
                {
                    return ScriptResult.False;
                }

                context.RoutesProcessed = true;
                return ScriptResult.False;
            }

            first = 1;
            if (!routes.TryUri(1, out fRange, out f))
            {
                return ScriptResult.False;
            }
        }
        else
        {
            ForceSocketOf(context, ruri, ruriParsed);
        }

        ReadOnlySpan<byte> fText = m.Span(fRange);
        if (!f.Lr)
        {
            if (!context.SetRequestUri(fText))
            {
                return ScriptResult.False;
            }

            routes.Delete(first);
        }
        else
        {
            int last = routes.Count - 1;
            if (!SetDestination(context, s, fText, f) || !routes.TryUri(last, out TextRange lastRange, out _)
                || !context.SetRequestUri(m.Span(lastRange)))
            {
                return ScriptResult.False;
            }

            routes.Delete(last);
        }

        // As OpenSIPS: $rr_params and the callbacks see the parameters of the rewritten R-URI.
        ReadOnlySpan<byte> newUri = context.RequestUri;
        ReadOnlySpan<byte> parameters = SipUri.TryParse(newUri, out SipUri nu) && nu.Params.IsPresent
            ? newUri.Slice(nu.Params.Start, nu.Params.Length)
            : default;
        context.SetRouteParams(parameters);
        return Finish(context, s, context.RouteParams, 1);
    }

    private int Finish(ScriptContext context, RrState s, ReadOnlySpan<byte> callbackParams, int result)
    {
        if (s.Routes.Flush(context.Edits) != SipError.None)
        {
            return ScriptResult.False;
        }

        context.RoutesProcessed = true;
        if (!callbackParams.IsEmpty && callbackParams[0] == (byte)';')
        {
            callbackParams = callbackParams[1..];
        }

        RunCallbacks(context, callbackParams);
        return result;
    }

    /// <summary>§1.1 of the spec: the URI's maddr (else host) and port (else the scheme's default) name one of our sockets or aliases.</summary>
    internal static bool IsMe(ScriptContext context, ReadOnlySpan<byte> text, in SipUri uri)
    {
        TextRange host = uri.Maddr.IsPresent && uri.Maddr.Length > 0 ? uri.Maddr : uri.Host;
        if (!host.IsPresent || host.Length == 0)
        {
            return false;
        }

        int port = uri.PortNumber != 0 ? uri.PortNumber : uri.Scheme == UriScheme.Sips ? 5061 : 5060;
        return context.Host.IsMyself(text.Slice(host.Start, host.Length), port);
    }

    private static bool HasParam(ReadOnlySpan<byte> text, in SipUri uri, ReadOnlySpan<byte> name) =>
        uri.Params.IsPresent && SipParams.TryFind(text.Slice(uri.Params.Start, uri.Params.Length), name, out _);

    /// <summary>The URI's parameters as a message range (leading ';' included), empty when none.</summary>
    private static TextRange Params(TextRange uriRange, in SipUri uri) =>
        uri.Params.IsPresent ? new TextRange(uriRange.Start + uri.Params.Start, uri.Params.Length) : new TextRange(uriRange.End, 0);

    /// <summary><c>$du</c> := the Route URI, or <c>sip:maddr[:port]</c> when it has a maddr.</summary>
    private static bool SetDestination(ScriptContext context, RrState s, ReadOnlySpan<byte> text, in SipUri uri)
    {
        if (!uri.Maddr.IsPresent || uri.Maddr.Length == 0)
        {
            return context.SetDestination(text);
        }

        var w = new LineWriter(s.Scratch);
        w.Append(ModuleStrings.Sip);
        w.Append(text.Slice(uri.Maddr.Start, uri.Maddr.Length));
        if (uri.Port.IsPresent)
        {
            w.Append((byte)':');
            w.Append(text.Slice(uri.Port.Start, uri.Port.Length));
        }

        return w.Length > 0 && context.SetDestination(w.Written);
    }

    /// <summary>Appends <c>Route: &lt;uri&gt;</c> as the last header (strict next hop).</summary>
    private static bool AppendRoute(ScriptContext context, RrState s, ReadOnlySpan<byte> uri)
    {
        var w = new LineWriter(s.Scratch);
        w.Append(ModuleStrings.RouteOpen);
        w.Append(uri);
        w.Append(">\r\n"u8);
        return w.Length > 0 && context.Edits.AddHeader(w.Written) == SipError.None;
    }

    /// <summary>Forces the send socket to the local socket the URI names (host:port); warns when there is none.</summary>
    private void ForceSocketOf(ScriptContext context, ReadOnlySpan<byte> text, in SipUri uri)
    {
        TextRange host = uri.Maddr.IsPresent && uri.Maddr.Length > 0 ? uri.Maddr : uri.Host;
        int port = uri.PortNumber != 0 ? uri.PortNumber : uri.Scheme == UriScheme.Sips ? 5061 : 5060;
        Span<byte> spec = stackalloc byte[300];
        var w = new LineWriter(spec);
        if (host.IsPresent)
        {
            w.Append(text.Slice(host.Start, host.Length));
        }

        w.Append((byte)':');
        Span<byte> digits = stackalloc byte[8];
        w.Append(digits[..ScriptText.WriteInt(port, digits)]);
        int socket = w.Length > 1 ? context.Host.FindSocket(w.Written) : -1;
        if (socket >= 0)
        {
            context.ForcedSocket = socket;
        }
        else if (EnableSocketMismatchWarning)
        {
            WarnNoSocket(context, w.Written);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WarnNoSocket(ScriptContext context, ReadOnlySpan<byte> hostPort)
    {
        if (!context.Host.IsLogEnabled(1))
        {
            return;
        }

        Span<byte> text = stackalloc byte[400];
        var w = new LineWriter(text);
        w.Append("rr: no local socket matches the Route entry "u8);
        w.Append(hostPort);
        context.Host.Log(1, w.Written);
    }
}
