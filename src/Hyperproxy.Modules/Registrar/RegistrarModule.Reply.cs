using Hyperproxy.Location;
using Hyperproxy.Location.Records;
using Hyperproxy.Modules.Path;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Sip;

namespace Hyperproxy.Modules.Registrar;

/// <summary>The reply save() sends (spec §4.4): Contact list, Path per mode, P-Registrar-Error, Retry-After.</summary>
public sealed partial class RegistrarModule
{
    private int Answer(ScriptContext context, RegistrarState s, RegistrarError error, CommitTicket ticket, bool listBindings)
    {
        SaveFlags flags = s.Flags;
        bool pathEcho = false;
        if (error == RegistrarError.None && flags.Path != PathMode.Ignore && s.PathCount > 0)
        {
            bool supported = PathModule.PathSupported(context);
            if (flags.Path == PathMode.Strict && !supported)
            {
                error = RegistrarError.PathNotSupported; // the bindings stay saved (spec §7.7)
            }

            pathEcho = flags.Path == PathMode.Strict || (flags.Path == PathMode.Lazy && supported);
        }

        if (flags.NoReply)
        {
            return error == RegistrarError.None ? RegistrarResult.Ok : RegistrarResult.SaveError;
        }

        var w = new LineWriter(s.ReplyLines);
        if (listBindings)
        {
            WriteContacts(s, ref w);
        }

        if (pathEcho)
        {
            if (error == RegistrarError.PathNotSupported)
            {
                w.Append(RegistrarStrings.UnsupportedPath);
            }

            w.Append(RegistrarStrings.PathHeader);
            SipMessage m = s.Message;
            for (int i = 0; i < s.PathCount; i++)
            {
                if (i > 0)
                {
                    w.Append((byte)',');
                }

                w.Append(m.Span(s.PathElements[i]));
            }

            w.Append(RegistrarStrings.Crlf);
        }

        if (error == RegistrarError.None && s.Outbound)
        {
            // RFC 5626 §6: the registrar did outbound; Flow-Timer tells the UA how often to keep the flow alive.
            w.Append(RegistrarStrings.RequireOutbound);
            if (FlowTimer > 0)
            {
                w.Append(RegistrarStrings.FlowTimerHeader);
                Span<byte> seconds = stackalloc byte[12];
                w.Append(seconds[..ScriptText.WriteInt(FlowTimer, seconds)]);
                w.Append(RegistrarStrings.Crlf);
            }
        }
        else if (error == RegistrarError.OutboundRequired)
        {
            w.Append(RegistrarStrings.RequireOutbound);
        }

        int code = RegistrarErrors.StatusCode(error);
        if (error != RegistrarError.None)
        {
            w.Append(RegistrarStrings.RegistrarErrorHeader);
            w.Append(RegistrarErrors.Text(error));
            w.Append(RegistrarStrings.Crlf);
            int retryAfter = RetryAfter > 0 ? RetryAfter : error == RegistrarError.StoreFailed ? StoreRetryAfter : 0;
            if (code >= 500 && retryAfter > 0)
            {
                w.Append(RegistrarStrings.RetryAfterHeader);
                Span<byte> digits = stackalloc byte[12];
                w.Append(digits[..ScriptText.WriteInt(retryAfter, digits)]);
                w.Append(RegistrarStrings.Crlf);
            }
        }

        if (w.Length < 0 || !context.AppendReplyHeaders(w.Written))
        {
            code = 500;
            error = RegistrarError.Internal;
        }

        int sent = context.Host.ReplyWhenDurable(context, code, RegistrarErrors.ReasonPhrase(error), ticket.Address);
        if (error != RegistrarError.None)
        {
            return RegistrarResult.SaveError;
        }

        return sent > 0 ? RegistrarResult.Ok : RegistrarResult.ReplyNotSent;
    }

    /// <summary><c>Contact: &lt;uri&gt;[;q=Q];expires=N[;received="R"], ...</c> over the valid bindings, one header.</summary>
    private void WriteContacts(RegistrarState s, ref LineWriter w)
    {
        ReadOnlySpan<byte> record = s.Record;
        if (record.IsEmpty || LocationRecord.TryOpen(record, out LocationRecordReader reader) != RecordError.None)
        {
            return;
        }

        Span<byte> digits = stackalloc byte[24];
        bool any = false;
        foreach (ContactView c in reader.GetContacts(s.Now))
        {
            if (s.Flags.OnlyRequestContacts && !InRequest(s, c.Contact))
            {
                continue;
            }

            w.Append(any ? RegistrarStrings.ContactSeparator : RegistrarStrings.ContactHeader);
            any = true;
            w.Append((byte)'<');
            w.Append(c.Contact);
            w.Append((byte)'>');
            if (c.Q >= 0)
            {
                w.Append(RegistrarStrings.QParam);
                w.Append(digits[..WriteQ(c.Q, digits)]);
            }

            w.Append(RegistrarStrings.ExpiresParam);
            long left = c.Expires == 0 ? 0 : c.Expires - s.Now;
            w.Append(digits[..ScriptText.WriteInt((int)Math.Clamp(left, int.MinValue, int.MaxValue), digits)]);
            if (c.RegId >= 0 && !c.Instance.IsEmpty)
            {
                w.Append(RegistrarStrings.InstanceParam);
                w.Append(c.Instance);
                w.Append(RegistrarStrings.RegIdParam);
                w.Append(digits[..ScriptText.WriteInt(c.RegId, digits)]);
            }

            if (!c.Received.IsEmpty)
            {
                w.Append((byte)';');
                w.Append(ReceivedParam);
                w.Append(RegistrarStrings.EqualsQuote);
                w.Append(c.Received);
                w.Append((byte)'"');
            }
        }

        if (any)
        {
            w.Append(RegistrarStrings.Crlf);
        }
    }

    private static bool InRequest(RegistrarState s, ReadOnlySpan<byte> contact)
    {
        for (int i = 0; i < s.ContactCount; i++)
        {
            if (s.Message.Span(s.Contacts[i].Uri).SequenceEqual(contact))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>q in thousandths as <c>1</c>, <c>0</c>, <c>0.5</c>, <c>0.25</c>, <c>0.125</c> (trailing zeros dropped).</summary>
    internal static int WriteQ(short q, Span<byte> destination)
    {
        if (q >= 1000)
        {
            destination[0] = (byte)'1';
            return 1;
        }

        destination[0] = (byte)'0';
        if (q <= 0)
        {
            return 1;
        }

        destination[1] = (byte)'.';
        destination[2] = (byte)('0' + q / 100);
        destination[3] = (byte)('0' + q / 10 % 10);
        destination[4] = (byte)('0' + q % 10);
        int n = 5;
        while (destination[n - 1] == (byte)'0')
        {
            n--;
        }

        return n;
    }
}
