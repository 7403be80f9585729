using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Modules.Sanity;

/// <summary>
/// The bodies of <c>sanity_check</c> and <c>sanity_reply</c>: the checks run in bit order, the first that fails decides.
/// Replies and reasons are Kamailio 5.6's as it sends them (its "Ivalid To Header" included); a failure without a reply
/// code (required headers, first Via, credentials that are not digest) only fails. Requests only are answered, never
/// an ACK. The checks allocate nothing (reasons are constants, the Unsupported line is built on the stack).
/// </summary>
internal static class SanityChecks
{
    private static readonly byte[] s_versionNotSupported = "Version Not Supported (R-URI)"u8.ToArray();
    private static readonly byte[] s_badRequestUri = "Bad Request URI"u8.ToArray();
    private static readonly byte[] s_cseqMismatch = "CSeq method does not match request method"u8.ToArray();
    private static readonly byte[] s_cseqNoMethod = "Missing method in CSeq header"u8.ToArray();
    private static readonly byte[] s_cseqIllegal = "CSeq number is illegal"u8.ToArray();
    private static readonly byte[] s_cseqNoNumber = "Missing number in CSeq header"u8.ToArray();
    private static readonly byte[] s_contentLength = "Content-Length mis-match"u8.ToArray();
    private static readonly byte[] s_expiresIllegal = "Expires value is illegal"u8.ToArray();
    private static readonly byte[] s_badExpires = "Bad Expires Header"u8.ToArray();
    private static readonly byte[] s_badProxyRequire = "Bad Proxy Require Extension"u8.ToArray();
    private static readonly byte[] s_invalidFrom = "Invalid From Header"u8.ToArray();
    private static readonly byte[] s_invalidTo = "Ivalid To Header"u8.ToArray(); // sic: Kamailio 5.6's reason
    private static readonly byte[] s_badContact = "Bad Contact URI"u8.ToArray();
    private static readonly byte[] s_badCredentials = "Bad Auth Credentials"u8.ToArray();
    private static readonly byte[] s_emptyUser = "Auth Empty User"u8.ToArray();
    private static readonly byte[] s_emptyNonce = "Auth Empty Nonce"u8.ToArray();
    private static readonly byte[] s_emptyResponse = "Auth Empty Response"u8.ToArray();
    private static readonly byte[] s_manyFromTags = "Many From Tag Params"u8.ToArray();
    private static readonly byte[] s_manyToTags = "Many To Tag Params"u8.ToArray();

    /// <summary><c>sanity_check([msg_checks[, uri_checks]])</c>: 1 passed; on failure the reply (unless noreply), then 0 (autodrop) or -1.</summary>
    public static int Check(SanityModule module, ScriptContext c, CallArguments a)
    {
        SanityCheck checks = module.DefaultChecks;
        SanityUri uris = module.UriChecks;
        if (a.Count > 0 && !TryArgument(c, a, 0, out checks, SanityModule.RefuseMessageChecks))
        {
            return ScriptResult.False;
        }

        if (a.Count > 1 && !TryArgument(c, a, 1, out uris, SanityModule.RefuseUriChecks))
        {
            return ScriptResult.False;
        }

        SipMessage m = c.Message;
        Span<byte> unsupported = stackalloc byte[UnsupportedLine];
        int code = Run(m, checks, uris, module.ProxyRequire, unsupported, out byte[]? reason, out int unsupportedLength);
        if (code == 0)
        {
            return ScriptResult.True;
        }

        if (unsupportedLength > 0)
        {
            c.AppendReplyHeaders(unsupported[..unsupportedLength]);
        }

        if (code > 0 && m.IsRequest && m.Method != SipMethod.Ack)
        {
            if (module.NoReply)
            {
                SanityState st = c.ModuleState<SanityState>();
                st.Code = code;
                st.Reason = reason!;
            }
            else
            {
                Sl.SlReplies.Signal(c, code, reason);
            }
        }

        return module.AutoDrop ? ScriptResult.Stop : ScriptResult.False;
    }

    /// <summary><c>sanity_reply()</c>: sends the reply the last failed sanity_check of this message kept (noreply=1); -1 when there is none.</summary>
    public static int Reply(ScriptContext c, CallArguments a)
    {
        SanityState st = c.ModuleState<SanityState>();
        if (st.Code == 0)
        {
            return ScriptResult.False;
        }

        return Sl.SlReplies.Signal(c, st.Code, st.Reason) > 0 ? ScriptResult.True : ScriptResult.False;
    }

    private static bool TryArgument<T>(ScriptContext c, CallArguments a, int index, out T value, Func<int, string?> refuse)
        where T : struct, Enum
    {
        if (a.Fixed(index) is T f)
        {
            value = f;
            return true;
        }

        value = default;
        if (!a.TryInt(c, index, out int n))
        {
            a.Error(c, $"argument {index + 1} is not a number");
            return false;
        }

        if (refuse(n) is { } why)
        {
            a.Error(c, why);
            return false;
        }

        value = (T)(object)n;
        return true;
    }

    private const int UnsupportedLine = 512;

    /// <summary>
    /// Runs <paramref name="checks"/> on <paramref name="m"/>: 0 when all pass, else the reply code of the first that
    /// fails with its <paramref name="reason"/>, or -1 for a failure Kamailio does not answer. A 420 also writes the
    /// <c>Unsupported</c> line into <paramref name="unsupported"/>.
    /// </summary>
    internal static int Run(SipMessage m, SanityCheck checks, SanityUri uris, byte[][] proxyRequire, Span<byte> unsupported,
        out byte[]? reason, out int unsupportedLength)
    {
        reason = null;
        unsupportedLength = 0;
        if (m.Error != SipError.None)
        {
            return -1;
        }

        bool request = m.IsRequest;
        if ((checks & SanityCheck.RuriSipVersion) != 0 && request && !HasSip20(m))
        {
            return Fail(505, s_versionNotSupported, out reason);
        }

        if ((checks & SanityCheck.RuriScheme) != 0 && request && !SipUri.TryParse(m.Span(m.RequestUri), out _))
        {
            return Fail(400, s_badRequestUri, out reason);
        }

        if ((checks & SanityCheck.RequiredHeaders) != 0
            && (!m.Has(HeaderId.To) || !m.Has(HeaderId.From) || !m.Has(HeaderId.CSeq) || !m.CallId.IsPresent || !m.Has(HeaderId.Via)))
        {
            return -1;
        }

        // 8 (Via SIP version) and 16 (Via protocol) pass, as in Kamailio 5.6 where both are compiled out.
        if ((checks & SanityCheck.CSeqMethod) != 0 && request && m.Has(HeaderId.CSeq))
        {
            if (m.CSeqMethodRange.Length == 0)
            {
                return Fail(400, s_cseqNoMethod, out reason);
            }

            if (!m.Span(m.CSeqMethodRange).SequenceEqual(m.Span(m.MethodRange)))
            {
                return Fail(400, s_cseqMismatch, out reason);
            }
        }

        if ((checks & SanityCheck.CSeqValue) != 0 && m.Has(HeaderId.CSeq))
        {
            ReadOnlySpan<byte> cseq = m.HeaderValue(HeaderId.CSeq);
            int s = SipText.SkipLws(cseq, 0);
            int e = s;
            while (e < cseq.Length && !SipText.IsLws(cseq[e]))
            {
                e++;
            }

            if (e == s)
            {
                return Fail(400, s_cseqNoNumber, out reason);
            }

            if (!SipText.TryParseUInt(cseq[s..e], uint.MaxValue, out _))
            {
                return Fail(400, s_cseqIllegal, out reason);
            }
        }

        if ((checks & SanityCheck.ContentLength) != 0 && m.ContentLength >= 0 && m.ContentLength != (m.Body.IsPresent ? m.Body.Length : 0))
        {
            return Fail(400, s_contentLength, out reason);
        }

        if ((checks & SanityCheck.ExpiresValue) != 0 && m.Has(HeaderId.Expires))
        {
            ReadOnlySpan<byte> v = m.HeaderValue(HeaderId.Expires);
            int s = SipText.SkipLws(v, 0);
            int e = SipText.TrimEnd(v, s, v.Length);
            if (e <= s)
            {
                return Fail(400, s_badExpires, out reason);
            }

            if (!SipText.TryParseUInt(v[s..e], uint.MaxValue, out _))
            {
                return Fail(400, s_expiresIllegal, out reason);
            }
        }

        if ((checks & SanityCheck.ProxyRequire) != 0 && request && m.Has(HeaderId.ProxyRequire)
            && (unsupportedLength = UnsupportedExtensions(m, proxyRequire, unsupported)) > 0)
        {
            return Fail(420, s_badProxyRequire, out reason);
        }

        if ((checks & SanityCheck.ParseUris) != 0)
        {
            int r = ParseUris(m, uris, out reason);
            if (r != 0)
            {
                return r;
            }
        }

        if ((checks & SanityCheck.DigestCredentials) != 0)
        {
            int r = DigestCredentials(m, out reason);
            if (r != 0)
            {
                return r;
            }
        }

        if ((checks & SanityCheck.DuplicateTags) != 0)
        {
            if (TagCount(m, HeaderId.From) > 1)
            {
                return Fail(400, s_manyFromTags, out reason);
            }

            if (TagCount(m, HeaderId.To) > 1)
            {
                return Fail(400, s_manyToTags, out reason);
            }
        }

        if ((checks & SanityCheck.Authorization) != 0 && !FirstAuthorizationIsNotDigest(m))
        {
            int r = DigestCredentials(m, out reason);
            if (r != 0)
            {
                return r;
            }
        }

        if ((checks & SanityCheck.FirstVia) != 0 && (m.GetTopVia(out ViaHeader via) != SipError.None || via.Host.Length == 0))
        {
            return -1;
        }

        return 0;
    }

    private static int Fail(int code, byte[] why, out byte[]? reason)
    {
        reason = why;
        return code;
    }

    /// <summary>The request line ends in <c>SIP/2.0</c> (any case).</summary>
    private static bool HasSip20(SipMessage m)
    {
        ReadOnlySpan<byte> line = m.Span(m.StartLine).TrimEnd("\r\n"u8);
        return line.Length > 7 && SipText.EqualsIgnoreCase(line[^7..], "SIP/2.0"u8);
    }

    /// <summary>Writes <c>Unsupported: a, b\r\n</c> for every Proxy-Require tag not in the list; its length, 0 when all are supported.</summary>
    private static int UnsupportedExtensions(SipMessage m, byte[][] supported, Span<byte> line)
    {
        ReadOnlySpan<byte> head = "Unsupported: "u8;
        head.CopyTo(line);
        int n = head.Length;
        bool any = false;
        foreach (HeaderValue v in m.Values(HeaderId.ProxyRequire))
        {
            ReadOnlySpan<byte> tag = m.Span(v.Value);
            if (tag.IsEmpty || IsSupported(tag, supported))
            {
                continue;
            }

            any = true;
            int need = (n > head.Length ? 2 : 0) + tag.Length;
            if (n + need + 2 > line.Length)
            {
                continue; // the reply still says 420; the line names what fits
            }

            if (n > head.Length)
            {
                ", "u8.CopyTo(line[n..]);
                n += 2;
            }

            tag.CopyTo(line[n..]);
            n += tag.Length;
        }

        if (!any)
        {
            return 0;
        }

        "\r\n"u8.CopyTo(line[n..]);
        return n + 2;
    }

    private static bool IsSupported(ReadOnlySpan<byte> tag, byte[][] supported)
    {
        foreach (byte[] s in supported)
        {
            if (SipText.EqualsIgnoreCase(tag, s))
            {
                return true;
            }
        }

        return false;
    }

    private static int ParseUris(SipMessage m, SanityUri uris, out byte[]? reason)
    {
        reason = null;
        if ((uris & SanityUri.RequestUri) != 0 && m.IsRequest && !SipUri.TryParse(m.Span(m.RequestUri), out _))
        {
            return Fail(400, s_badRequestUri, out reason);
        }

        if ((uris & SanityUri.From) != 0 && !NameAddrUriParses(m, HeaderId.From))
        {
            return Fail(400, s_invalidFrom, out reason);
        }

        if ((uris & SanityUri.To) != 0 && !NameAddrUriParses(m, HeaderId.To))
        {
            return Fail(400, s_invalidTo, out reason);
        }

        if ((uris & SanityUri.Contact) != 0 && m.Has(HeaderId.Contact))
        {
            NameAddrEnumerator e = m.NameAddrs(HeaderId.Contact);
            while (e.MoveNext())
            {
                if (!e.Current.IsStar && !SipUri.TryParse(m.Span(e.Current.Uri), out _))
                {
                    return Fail(400, s_badContact, out reason);
                }
            }

            if (e.Failed)
            {
                return Fail(400, s_badContact, out reason);
            }
        }

        return 0;
    }

    private static bool NameAddrUriParses(SipMessage m, HeaderId id)
    {
        NameAddr na;
        SipError e = id == HeaderId.From ? m.GetFrom(out na) : m.GetTo(out na);
        return e == SipError.None && na.Uri.IsPresent && SipUri.TryParse(m.Span(na.Uri), out _);
    }

    /// <summary>
    /// Every Authorization and Proxy-Authorization: digest with username, realm, nonce, uri and response (and cnonce, nc
    /// with qop auth/auth-int), else 400 Bad Auth Credentials; then the username, nonce and response not empty. A header
    /// that does not parse as digest credentials fails without a reply.
    /// </summary>
    private static int DigestCredentials(SipMessage m, out byte[]? reason)
    {
        reason = null;
        for (int i = 0; i < m.HeaderCount; i++)
        {
            ref readonly HeaderEntry h = ref m.Header(i);
            if (h.Id is not (HeaderId.Authorization or HeaderId.ProxyAuthorization))
            {
                continue;
            }

            if (!DigestHeader.TryParse(m.Span(h.Value), h.Value.Start, out DigestHeader d) || !d.IsDigest)
            {
                return -1;
            }

            bool qop = d.Qop.IsPresent && (SipText.EqualsIgnoreCase(m.Span(d.Qop), "auth"u8) || SipText.EqualsIgnoreCase(m.Span(d.Qop), "auth-int"u8));
            if (!d.Username.IsPresent || !d.Realm.IsPresent || !d.Nonce.IsPresent || !d.Uri.IsPresent || !d.Response.IsPresent
                || (qop && (!d.Cnonce.IsPresent || !d.Nc.IsPresent)))
            {
                return Fail(400, s_badCredentials, out reason);
            }

            if (d.Username.Length == 0)
            {
                return Fail(400, s_emptyUser, out reason);
            }

            if (d.Nonce.Length == 0)
            {
                return Fail(400, s_emptyNonce, out reason);
            }

            if (d.Response.Length == 0)
            {
                return Fail(400, s_emptyResponse, out reason);
            }
        }

        return 0;
    }

    /// <summary>8192: an Authorization header whose scheme is not Digest passes (Kamailio checks only digest ones).</summary>
    private static bool FirstAuthorizationIsNotDigest(SipMessage m)
    {
        int i = m.FindHeader(HeaderId.Authorization);
        if (i < 0)
        {
            return false;
        }

        ReadOnlySpan<byte> v = m.Span(m.Header(i).Value);
        int s = SipText.SkipLws(v, 0);
        int e = s;
        while (e < v.Length && SipText.IsTokenChar(v[e]))
        {
            e++;
        }

        return e > s && !SipText.EqualsIgnoreCase(v[s..e], "digest"u8);
    }

    /// <summary>How many <c>tag</c> parameters the From or To header carries (0 when it does not parse).</summary>
    private static int TagCount(SipMessage m, HeaderId id)
    {
        NameAddr na;
        if ((id == HeaderId.From ? m.GetFrom(out na) : m.GetTo(out na)) != SipError.None || !na.Params.IsPresent)
        {
            return 0;
        }

        ReadOnlySpan<byte> p = m.Span(na.Params);
        int pos = 0, count = 0;
        while (SipParams.TryNext(p, ref pos, out TextRange name, out _, out _))
        {
            if (SipText.EqualsIgnoreCase(p.Slice(name.Start, name.Length), "tag"u8))
            {
                count++;
            }
        }

        return count;
    }
}
