using Hyperproxy.Sip;

namespace Hyperproxy.Script.Runtime.Variables;

/// <summary>Builds a new URI from the current one with one part replaced (seturi family, <c>$rU</c>/<c>$rd</c>/<c>$rp</c> writes).</summary>
internal static class UriRewriter
{
    public enum Part
    {
        User,
        Host,
        Port,
        HostPort,
        Prefix,
        Strip,
        StripTail,
    }

    /// <summary>Writes the rewritten URI into <paramref name="output"/>; -1 when the URI is not parseable or does not fit.</summary>
    public static int Rewrite(ReadOnlySpan<byte> uri, Part part, ReadOnlySpan<byte> value, int count, Span<byte> output)
    {
        if (!SipUri.TryParse(uri, out SipUri u) || !u.Host.IsPresent)
        {
            return -1;
        }

        int schemeEnd = uri.IndexOf((byte)':') + 1;
        int userStart = schemeEnd;
        int hostStart = u.Host.Start;
        int hostEnd = u.Host.End;
        int hostPortEnd = u.Port.IsPresent ? u.Port.End : hostEnd;
        ReadOnlySpan<byte> user = u.User.IsPresent ? uri.Slice(u.User.Start, u.User.Length) : default;
        ReadOnlySpan<byte> afterUser = u.User.IsPresent ? uri[u.User.End..hostStart] : default; // ":password@" or "@"
        var w = new Writer(output);
        switch (part)
        {
            case Part.User:
                w.Put(uri[..userStart]);
                if (!value.IsEmpty)
                {
                    w.Put(value);
                    w.Put(afterUser.IsEmpty ? "@"u8 : afterUser);
                }

                w.Put(uri[hostStart..]);
                break;
            case Part.Host:
                w.Put(uri[..hostStart]);
                w.Put(value);
                w.Put(uri[hostEnd..]);
                break;
            case Part.Port:
                w.Put(uri[..hostEnd]);
                if (!value.IsEmpty)
                {
                    w.Put(":"u8);
                    w.Put(value);
                }

                w.Put(uri[hostPortEnd..]);
                break;
            case Part.HostPort:
                w.Put(uri[..hostStart]);
                w.Put(value);
                w.Put(uri[hostPortEnd..]);
                break;
            case Part.Prefix:
                w.Put(uri[..userStart]);
                w.Put(value);
                w.Put(user);
                w.Put(afterUser.IsEmpty ? "@"u8 : afterUser);
                w.Put(uri[hostStart..]);
                break;
            case Part.Strip:
            case Part.StripTail:
                if (count > user.Length)
                {
                    count = user.Length;
                }

                ReadOnlySpan<byte> kept = part == Part.Strip ? user[count..] : user[..^count];
                w.Put(uri[..userStart]);
                if (!kept.IsEmpty)
                {
                    w.Put(kept);
                    w.Put(afterUser);
                }

                w.Put(uri[hostStart..]);
                break;
        }

        return w.Failed ? -1 : w.Length;
    }

    /// <summary>Rewrites the message's current R-URI; false when it cannot be parsed or is too long.</summary>
    public static bool RewriteRequestUri(ScriptContext context, Part part, ReadOnlySpan<byte> value, int count = 0)
    {
        if (!context.Message.IsRequest)
        {
            return false;
        }

        Span<byte> output = context.BeginRequestUri();
        int n = Rewrite(context.RequestUri, part, value, count, output);
        if (n < 0)
        {
            return false;
        }

        context.EndRequestUri(n);
        return true;
    }

    private ref struct Writer(Span<byte> output)
    {
        private readonly Span<byte> _output = output;

        public int Length { get; private set; }

        public bool Failed { get; private set; }

        public void Put(ReadOnlySpan<byte> bytes)
        {
            if (Failed || !bytes.TryCopyTo(_output[Length..]))
            {
                Failed = true;
                return;
            }

            Length += bytes.Length;
        }
    }
}
