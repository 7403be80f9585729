using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;
using Hyperproxy.Sip.Headers;

namespace Hyperproxy.Modules.Sipmsgops;

/// <summary>
/// <c>sipmsg_validate([flags])</c> (OpenSIPS sipmsgops): 1 when the message passes, else OpenSIPS's negative code
/// for the first failed check. Sends no reply; the script decides. Always checked: headers parse (-2), Call-ID
/// (-3), Content-Length equals the body (-5, not CANCEL), CSeq (-7), From (-8), To (-9), Via (-10); requests:
/// Max-Forwards (-13, unless <c>m</c>), Path only on REGISTER (-15); replies: 405 without Allow (-16), 423 without
/// Min-Expires (-17), 407 without Proxy-Authenticate (-18), 420 without Unsupported (-19), 401 without
/// WWW-Authenticate (-20); a body without Content-Type (-21). Flags: <c>s</c> SDP body (-6), <c>h</c> each known
/// header's value, <c>r</c> R-URI (-11/-12), <c>f</c> From URI (-24/-25), <c>t</c> To URI (-22/-23), <c>c</c>
/// Contact (-14, <c>*</c> outside REGISTER -30). Content-Length on non-UDP (-4) does not apply: Hyperproxy takes
/// UDP only. <c>err_var</c>, when given, receives the reason of a failure (<see cref="Reason"/>).
/// </summary>
internal static class MessageValidation
{
    [Flags]
    internal enum Checks
    {
        None = 0,
        Sdp = 1,
        Headers = 2,
        RequestUri = 4,
        FromUri = 8,
        ToUri = 16,
        Contact = 32,
        NoMaxForwards = 64,
    }

    public static readonly ParameterFixup FlagsFixup = c =>
    {
        Checks checks = Checks.None;
        foreach (char ch in c.ToString())
        {
            checks |= char.ToLowerInvariant(ch) switch
            {
                's' => Checks.Sdp,
                'h' => Checks.Headers,
                'r' => Checks.RequestUri,
                'f' => Checks.FromUri,
                't' => Checks.ToUri,
                'c' => Checks.Contact,
                'm' => Checks.NoMaxForwards,
                _ => (Checks)(-1),
            };
            if ((int)checks < 0)
            {
                return FixupResult.Fail($"'{ch}' is not a sipmsg_validate flag (s, h, r, f, t, c, m)");
            }
        }

        return FixupResult.Ok(checks);
    };

    public static int Validate(ScriptContext c, CallArguments a)
    {
        Checks checks = a.Count > 0 && a.Fixed(0) is Checks f ? f : a.Count > 0 ? Parse(a.Bytes(c, 0)) : Checks.None;
        int r = Run(c.Message, checks);
        if (r < 0 && a.Count > 1)
        {
            a.Write(c, 1, ScriptValue.FromBytes(Reason(r)));
        }

        return r;
    }

    private static readonly byte[][] s_reasons =
    [
        [], [], "message or headers do not parse"u8.ToArray(), "missing or empty Call-ID"u8.ToArray(),
        "Content-Length missing on a stream transport"u8.ToArray(), "Content-Length does not match the body"u8.ToArray(),
        "SDP body does not parse"u8.ToArray(), "missing or bad CSeq"u8.ToArray(), "missing or bad From"u8.ToArray(),
        "missing or bad To"u8.ToArray(), "missing or bad Via"u8.ToArray(), "bad Request-URI"u8.ToArray(),
        "bad Request-URI host or user"u8.ToArray(), "bad Max-Forwards"u8.ToArray(), "bad Contact"u8.ToArray(),
        "Path in a request other than REGISTER"u8.ToArray(), "405 without Allow"u8.ToArray(), "423 without Min-Expires"u8.ToArray(),
        "407 without Proxy-Authenticate"u8.ToArray(), "420 without Unsupported"u8.ToArray(), "401 without WWW-Authenticate"u8.ToArray(),
        "body without Content-Type"u8.ToArray(), "bad To URI"u8.ToArray(), "bad To URI host or user"u8.ToArray(),
        "bad From URI"u8.ToArray(), "bad From URI host or user"u8.ToArray(), "bad Contact URI host or user"u8.ToArray(),
        "bad Request-URI characters"u8.ToArray(), "bad From URI characters"u8.ToArray(), "bad To URI characters"u8.ToArray(),
        "Contact * outside REGISTER"u8.ToArray(),
    ];

    /// <summary>The reason err_var receives for a negative result (a constant; never allocated per message).</summary>
    internal static byte[] Reason(int code) => (uint)-code < (uint)s_reasons.Length ? s_reasons[-code] : "invalid message"u8.ToArray();

    private static Checks Parse(ReadOnlySpan<byte> text)
    {
        Checks checks = Checks.None;
        foreach (byte b in text)
        {
            checks |= (b | 0x20) switch
            {
                's' => Checks.Sdp,
                'h' => Checks.Headers,
                'r' => Checks.RequestUri,
                'f' => Checks.FromUri,
                't' => Checks.ToUri,
                'c' => Checks.Contact,
                'm' => Checks.NoMaxForwards,
                _ => Checks.None,
            };
        }

        return checks;
    }

    internal static int Run(SipMessage m, Checks checks)
    {
        if (m.Error != SipError.None)
        {
            return -2;
        }

        if (!m.CallId.IsPresent || m.CallId.Length == 0)
        {
            return -3;
        }

        if (m.IsRequest && m.Method != SipMethod.Cancel && m.ContentLength >= 0 && m.ContentLength != (m.Body.IsPresent ? m.Body.Length : 0))
        {
            return -5;
        }

        if (!m.Has(HeaderId.CSeq) || m.CSeqMethodRange.Length == 0)
        {
            return -7;
        }

        if (m.GetFrom(out _) != SipError.None)
        {
            return -8;
        }

        if (m.GetTo(out _) != SipError.None)
        {
            return -9;
        }

        if (m.GetTopVia(out _) != SipError.None)
        {
            return -10;
        }

        if (m.IsRequest)
        {
            if ((checks & Checks.NoMaxForwards) == 0 && m.MaxForwards < 0)
            {
                return -13;
            }

            if (m.Method != SipMethod.Register && m.Has(HeaderId.Path))
            {
                return -15;
            }
        }
        else
        {
            int missing = m.StatusCode switch
            {
                405 when !m.Has(HeaderId.Allow) => -16,
                423 when !m.Has(HeaderId.MinExpires) => -17,
                407 when !m.Has(HeaderId.ProxyAuthenticate) => -18,
                420 when !m.Has(HeaderId.Unsupported) => -19,
                401 when !m.Has(HeaderId.WwwAuthenticate) => -20,
                _ => 0,
            };
            if (missing != 0)
            {
                return missing;
            }
        }

        bool hasBody = m.Body.IsPresent && m.Body.Length > 0;
        if (hasBody && !m.Has(HeaderId.ContentType))
        {
            return -21;
        }

        if ((checks & Checks.Sdp) != 0 && hasBody && !IsSdp(m.Span(m.Body)))
        {
            return -6;
        }

        if ((checks & Checks.Headers) != 0 && m.Validate() != SipError.None)
        {
            return -2;
        }

        if ((checks & Checks.RequestUri) != 0 && m.IsRequest && !SipUri.TryParse(m.Span(m.RequestUri), out _))
        {
            return -11;
        }

        if ((checks & Checks.FromUri) != 0 && !UriOf(m, HeaderId.From))
        {
            return -24;
        }

        if ((checks & Checks.ToUri) != 0 && !UriOf(m, HeaderId.To))
        {
            return -22;
        }

        if ((checks & Checks.Contact) != 0 && m.Has(HeaderId.Contact))
        {
            NameAddrEnumerator e = m.NameAddrs(HeaderId.Contact);
            while (e.MoveNext())
            {
                if (e.Current.IsStar)
                {
                    if (m.Method != SipMethod.Register)
                    {
                        return -30;
                    }

                    continue;
                }

                if (!SipUri.TryParse(m.Span(e.Current.Uri), out _))
                {
                    return -14;
                }
            }

            if (e.Failed)
            {
                return -14;
            }
        }

        return ScriptResult.True;
    }

    private static bool UriOf(SipMessage m, HeaderId id)
    {
        NameAddr na;
        SipError e = id == HeaderId.From ? m.GetFrom(out na) : m.GetTo(out na);
        return e == SipError.None && na.Uri.IsPresent && SipUri.TryParse(m.Span(na.Uri), out _);
    }

    /// <summary>An SDP body: starts with <c>v=</c>, every line <c>x=...</c> with a lower-case letter.</summary>
    private static bool IsSdp(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith("v="u8))
        {
            return false;
        }

        foreach (Range r in body.Split((byte)'\n'))
        {
            ReadOnlySpan<byte> line = body[r].TrimEnd((byte)'\r');
            if (line.IsEmpty)
            {
                continue;
            }

            if (line.Length < 2 || (uint)(line[0] - 'a') > 'z' - 'a' || line[1] != '=')
            {
                return false;
            }
        }

        return true;
    }
}
