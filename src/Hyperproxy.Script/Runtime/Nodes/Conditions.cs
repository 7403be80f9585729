using System.Text;
using System.Text.RegularExpressions;
using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Syntax;
using Hyperproxy.Script.Text;
using Hyperproxy.Sip;

namespace Hyperproxy.Script.Runtime.Nodes;

/// <summary>The compiled conditions.</summary>
internal static class Conditions
{
    internal sealed class Constant(bool value) : ConditionNode
    {
        internal bool Value => value;

        public override int Test(ScriptContext context) => value ? 1 : -1;
    }

    internal sealed class Not(ConditionNode operand) : ConditionNode
    {
        internal ConditionNode Operand => operand;

        public override int Test(ScriptContext context) => -operand.Test(context);
    }

    internal sealed class And(ConditionNode left, ConditionNode right) : ConditionNode
    {
        internal ConditionNode Left => left;

        internal ConditionNode Right => right;

        public override int Test(ScriptContext context)
        {
            int l = left.Test(context);
            return l <= 0 ? l : right.Test(context);
        }
    }

    internal sealed class Or(ConditionNode left, ConditionNode right) : ConditionNode
    {
        internal ConditionNode Left => left;

        internal ConditionNode Right => right;

        public override int Test(ScriptContext context)
        {
            int l = left.Test(context);
            return l != -1 ? l : right.Test(context);
        }
    }

    /// <summary>A lone value: false for NULL, "" and 0.</summary>
    internal sealed class Truth(ValueNode value) : ConditionNode
    {
        public override int Test(ScriptContext context) => value.Evaluate(context).IsTrue ? 1 : -1;
    }

    internal sealed class Comparison(ValueNode left, ValueNode right, BinaryOperator op) : ConditionNode
    {
        public override int Test(ScriptContext context)
        {
            ScriptValue l = left.Evaluate(context);
            ScriptValue r = right.Evaluate(context);
            return Compare.Evaluate(l, r, op) ? 1 : -1;
        }
    }

    /// <summary><c>$rm == "INVITE"</c> for a request: one method compare, no string work.</summary>
    internal sealed class MethodIs(SipMethod method, byte[] name, bool negate) : ConditionNode
    {
        public override int Test(ScriptContext context)
        {
            SipMessage m = context.Message;
            bool eq;
            if (m.IsRequest)
            {
                eq = method != SipMethod.Unknown ? m.Method == method : ScriptText.EqualsIgnoreCase(m.Span(m.MethodRange), name);
            }
            else
            {
                eq = ScriptText.EqualsIgnoreCase(m.Span(m.CSeqMethodRange), name);
            }

            return eq != negate ? 1 : -1;
        }
    }

    /// <summary><c>=~</c> / <c>!~</c> with a pattern compiled at start-up; the value is widened (Latin-1) into the context's char buffer.</summary>
    internal sealed class RegexMatch(ValueNode left, Regex regex, bool negate, SourceLocation location) : ConditionNode
    {
        public override int Test(ScriptContext context)
        {
            ScriptValue v = left.Evaluate(context);
            if (v.IsNull)
            {
                return -1;
            }

            return Matches(context, regex, context.AsBytes(v), location) != negate ? 1 : -1;
        }

        internal static bool Matches(ScriptContext context, Regex regex, ReadOnlySpan<byte> bytes, SourceLocation location)
        {
            char[] chars = context.CharBuffer;
            if (bytes.Length > chars.Length)
            {
                context.RuntimeError(location, $"regular expression subject too long ({bytes.Length} bytes)");
                return false;
            }

            int n = Encoding.Latin1.GetChars(bytes, chars);
            try
            {
                return regex.IsMatch(chars.AsSpan(0, n));
            }
            catch (RegexMatchTimeoutException)
            {
                context.RuntimeError(location, "regular expression match timed out");
                return false;
            }
        }
    }

    /// <summary><c>=~</c> with a pattern from a variable: compiled per message (cached while the pattern repeats).</summary>
    internal sealed class DynamicRegexMatch(ValueNode left, ValueNode pattern, bool negate, SourceLocation location) : ConditionNode
    {
        [ThreadStatic]
        private static (byte[] Pattern, Regex Regex)? t_last;

        public override int Test(ScriptContext context)
        {
            ScriptValue v = left.Evaluate(context);
            ScriptValue p = pattern.Evaluate(context);
            if (v.IsNull || p.IsNull)
            {
                return -1;
            }

            ReadOnlySpan<byte> pat = context.AsBytes(p);
            Regex regex;
            if (t_last is { } last && last.Pattern.AsSpan().SequenceEqual(pat))
            {
                regex = last.Regex;
            }
            else
            {
                string text = Encoding.UTF8.GetString(pat);
                if (!ScriptRegex.TryCreate(text, out Regex? created, out string? error))
                {
                    context.RuntimeError(location, $"bad regular expression \"{text}\": {error}");
                    return -1;
                }

                regex = created!;
                t_last = (pat.ToArray(), regex);
            }

            return RegexMatch.Matches(context, regex, context.AsBytes(v), location) != negate ? 1 : -1;
        }
    }

    /// <summary><c>$si == 10.0.0.0/8</c>, <c>$x == 192.0.2.1</c>: address or network match.</summary>
    internal sealed class NetworkMatch(ValueNode? left, byte[] network, int prefixLength, bool negate) : ConditionNode
    {
        public override int Test(ScriptContext context)
        {
            NetAddress a;
            if (left is null)
            {
                a = context.Source;
            }
            else
            {
                ScriptValue v = left.Evaluate(context);
                if (!NetAddress.TryParse(context.AsBytes(v), 0, out a))
                {
                    return negate ? 1 : -1;
                }
            }

            return Contains(a) != negate ? 1 : -1;
        }

        private bool Contains(in NetAddress a)
        {
            Span<byte> bytes = stackalloc byte[16];
            int n = a.CopyAddressBytes(bytes);
            if (n != network.Length)
            {
                return false;
            }

            int bits = prefixLength < 0 ? n * 8 : prefixLength;
            int full = bits / 8;
            if (!bytes[..full].SequenceEqual(network.AsSpan(0, full)))
            {
                return false;
            }

            int rest = bits % 8;
            if (rest == 0)
            {
                return true;
            }

            int mask = 0xFF << (8 - rest) & 0xFF;
            return (bytes[full] & mask) == (network[full] & mask);
        }
    }

    /// <summary>
    /// <c>uri == myself</c> / <c>$ru == myself</c>, the common case: the current Request-URI's bytes go straight to
    /// the host/port check (no value node, no full URI parse). A reply has no Request-URI: not myself.
    /// </summary>
    internal sealed class RequestUriIsMyself(bool negate) : ConditionNode
    {
        public override int Test(ScriptContext context) => IsMyself(context) != negate ? 1 : -1;

        private static bool IsMyself(ScriptContext context)
        {
            SipMessage m = context.Message;
            if (!m.IsRequest)
            {
                return false;
            }

            if (context.RequestUriChanged || m.RequestUriHostOffset < 0)
            {
                return Myself.IsMyself(context, context.RequestUri);
            }

            // The R-URI as received: the parser found where its host starts (sip/sips, so byte 3 tells the scheme).
            ReadOnlySpan<byte> text = m.Span(m.RequestUri);
            return SipUri.TryFindHostAt(text, m.RequestUriHostOffset, out TextRange host)
                ? Myself.IsMyselfHost(context, text, text[3] == ':' ? UriScheme.Sip : UriScheme.Sips, host)
                : context.Host.IsMyself(text, 0);
        }
    }

    /// <summary><c>uri == myself</c>: the value (a URI, or a bare host) names this proxy.</summary>
    internal sealed class Myself(ValueNode value, bool negate) : ConditionNode
    {
        public override int Test(ScriptContext context)
        {
            ScriptValue v = value.Evaluate(context);
            return IsMyself(context, context.AsBytes(v)) != negate ? 1 : -1;
        }

        internal static bool IsMyself(ScriptContext context, ReadOnlySpan<byte> text)
        {
            if (text.IsEmpty)
            {
                return false;
            }

            return SipUri.TryFindHost(text, out UriScheme scheme, out TextRange host)
                ? IsMyselfHost(context, text, scheme, host)
                : context.Host.IsMyself(text, 0);
        }

        /// <summary>The URI <paramref name="text"/> whose host is <paramref name="host"/>: host and port (the scheme's default when absent) name us.</summary>
        internal static bool IsMyselfHost(ScriptContext context, ReadOnlySpan<byte> text, UriScheme scheme, TextRange host)
        {
            // Most URIs tested are not ours: a host that is none of ours on any port needs no port read.
            ReadOnlySpan<byte> name = text.Slice(host.Start, host.Length);
            if (!context.Host.IsMyself(name, 0))
            {
                return false;
            }

            return SipUri.TryParsePort(text, host.End, out int port)
                ? context.Host.IsMyself(name, port != 0 ? port : scheme == UriScheme.Sips ? 5061 : 5060)
                : context.Host.IsMyself(text, 0);
        }
    }
}
