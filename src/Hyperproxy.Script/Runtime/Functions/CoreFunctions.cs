using Hyperproxy.Script.Runtime.Nodes;
using Hyperproxy.Script.Runtime.Variables;

namespace Hyperproxy.Script.Runtime.Functions;

/// <summary>The core functions (OpenSIPS <c>core_cmds.c</c>) at run time.</summary>
internal static class CoreFunctions
{
    public static void Register(FunctionImplementations f)
    {
        f.Register("forward", (c, a) => c.Host.Forward(c, a.Count > 0 ? a.Bytes(c, 0) : default));
        f.Register("send", (c, a) => c.Host.Send(c, a.Bytes(c, 0), a.Count > 1 ? a.Bytes(c, 1) : default));
        f.Register("xlog", Xlog);
        f.Register("log", Log);
        f.Register("force_rport", (c, a) =>
        {
            c.Host.ForceRport(c);
            return 1;
        });
        f.Register("add_local_rport", (c, a) =>
        {
            c.AddLocalRport = true;
            return 1;
        });
        f.Register("force_send_socket", (c, a) =>
        {
            int socket = c.Host.FindSocket(a.Bytes(c, 0));
            if (socket < 0)
            {
                return -1;
            }

            c.ForcedSocket = socket;
            return 1;
        });
        f.Register("is_myself", IsMyself);
        f.Register("seturi", SetUri);
        f.Register("rewriteuri", SetUri);
        f.Register("sethost", (c, a) => Rewrite(c, UriRewriter.Part.Host, a.Bytes(c, 0)));
        f.Register("sethostport", (c, a) => Rewrite(c, UriRewriter.Part.HostPort, a.Bytes(c, 0)));
        f.Register("setuser", (c, a) => Rewrite(c, UriRewriter.Part.User, a.Bytes(c, 0)));
        f.Register("setport", (c, a) => Rewrite(c, UriRewriter.Part.Port, a.Bytes(c, 0)));
        f.Register("prefix", (c, a) => Rewrite(c, UriRewriter.Part.Prefix, a.Bytes(c, 0)));
        f.Register("strip", (c, a) => a.TryInt(c, 0, out int n) && n >= 0 ? Rewrite(c, UriRewriter.Part.Strip, default, n) : -1);
        f.Register("strip_tail", (c, a) => a.TryInt(c, 0, out int n) && n >= 0 ? Rewrite(c, UriRewriter.Part.StripTail, default, n) : -1);
        f.Register("revert_uri", (c, a) =>
        {
            c.RevertRequestUri();
            return 1;
        });
        f.Register("setdsturi", (c, a) => c.SetDestination(a.Bytes(c, 0)) ? 1 : -1);
        f.Register("resetdsturi", (c, a) =>
        {
            c.ResetDestination();
            return 1;
        });
        f.Register("isdsturiset", (c, a) => c.HasDestination ? 1 : -1);
        f.Register("append_branch", (c, a) =>
        {
            c.ExtraBranches++;
            return 1;
        });
        f.Register("set_advertised_address", (c, a) => c.SetAdvertisedAddress(a.Bytes(c, 0)) ? 1 : -1);
        f.Register("set_advertised_port", (c, a) => a.TryInt(c, 0, out int p) && p is > 0 and <= 65535 && c.SetAdvertisedPort(p) ? 1 : -1);
        f.Register("setflag", (c, a) =>
        {
            c.Flags |= Bit(a);
            return 1;
        });
        f.Register("resetflag", (c, a) =>
        {
            c.Flags &= ~Bit(a);
            return 1;
        });
        f.Register("isflagset", (c, a) => (c.Flags & Bit(a)) != 0 ? 1 : -1);
        f.Register("setbflag", (c, a) =>
        {
            c.BranchFlags |= Bit(a);
            return 1;
        });
        f.Register("resetbflag", (c, a) =>
        {
            c.BranchFlags &= ~Bit(a);
            return 1;
        });
        f.Register("isbflagset", (c, a) => (c.BranchFlags & Bit(a)) != 0 ? 1 : -1);
    }

    private static uint Bit(CallArguments a) => a.Fixed(0) is int bit ? 1u << bit : 0u;

    private static int SetUri(ScriptContext c, CallArguments a) => c.Message.IsRequest && c.SetRequestUri(a.Bytes(c, 0)) ? 1 : -1;

    private static int Rewrite(ScriptContext c, UriRewriter.Part part, ReadOnlySpan<byte> value, int count = 0) =>
        UriRewriter.RewriteRequestUri(c, part, value, count) ? 1 : -1;

    private static int IsMyself(ScriptContext c, CallArguments a)
    {
        ReadOnlySpan<byte> host = a.Bytes(c, 0);
        int port = 0;
        if (a.Count > 1 && !a.TryInt(c, 1, out port))
        {
            port = 0;
        }

        if (a.Count == 1)
        {
            return Conditions.Myself.IsMyself(c, host) ? 1 : -1;
        }

        return c.Host.IsMyself(host, port) ? 1 : -1;
    }

    /// <summary>xlog([level,] format): default level L_ERR (-1); nothing is formatted when the level is off.</summary>
    private static int Xlog(ScriptContext c, CallArguments a) => WriteLog(c, a, a.Count > 1 && a.Fixed(0) is int l ? l : -1);

    /// <summary>log([level,] text): default level 2 (notice).</summary>
    private static int Log(ScriptContext c, CallArguments a) => WriteLog(c, a, a.Count > 1 && a.TryInt(c, 0, out int l) ? l : 2);

    /// <summary>The last argument, without one trailing newline, at <paramref name="level"/> when that level is on.</summary>
    private static int WriteLog(ScriptContext c, CallArguments a, int level)
    {
        if (!c.Host.IsLogEnabled(level))
        {
            return 1;
        }

        ReadOnlySpan<byte> text = a.Bytes(c, a.Count - 1);
        if (!text.IsEmpty && text[^1] == (byte)'\n')
        {
            text = text[..^1];
        }

        c.Host.Log(level, text);
        return 1;
    }
}
