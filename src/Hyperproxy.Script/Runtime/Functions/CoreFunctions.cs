using Hyperproxy.Script.Runtime.Nodes;
using Hyperproxy.Script.Runtime.Variables;

namespace Hyperproxy.Script.Runtime.Functions;

/// <summary>The bodies of the core functions (OpenSIPS <c>core_cmds.c</c>); their rows are in <see cref="Builtins.CoreModule"/>.</summary>
internal static class CoreFunctions
{
    public static int Forward(ScriptContext c, CallArguments a) => c.Host.Forward(c, a.Count > 0 ? a.Bytes(c, 0) : default);

    public static int Send(ScriptContext c, CallArguments a) => c.Host.Send(c, a.Bytes(c, 0), a.Count > 1 ? a.Bytes(c, 1) : default);

    public static int ForceRport(ScriptContext c, CallArguments a)
    {
        c.Host.ForceRport(c);
        return 1;
    }

    public static int ForceTcpAlias(ScriptContext c, CallArguments a)
    {
        int port = 0;
        if (a.Count > 0 && (!a.TryInt(c, 0, out port) || port is < 1 or > 65535))
        {
            return -1;
        }

        return c.Host.AddConnectionAlias(c, port);
    }

    public static int AddLocalRport(ScriptContext c, CallArguments a)
    {
        c.AddLocalRport = true;
        return 1;
    }

    public static int ForceSendSocket(ScriptContext c, CallArguments a)
    {
        int socket = c.Host.FindSocket(a.Bytes(c, 0));
        if (socket < 0)
        {
            return -1;
        }

        c.ForcedSocket = socket;
        return 1;
    }

    public static int SetHost(ScriptContext c, CallArguments a) => Rewrite(c, UriRewriter.Part.Host, a.Bytes(c, 0));

    public static int SetHostPort(ScriptContext c, CallArguments a) => Rewrite(c, UriRewriter.Part.HostPort, a.Bytes(c, 0));

    public static int SetUser(ScriptContext c, CallArguments a) => Rewrite(c, UriRewriter.Part.User, a.Bytes(c, 0));

    public static int SetPort(ScriptContext c, CallArguments a) => Rewrite(c, UriRewriter.Part.Port, a.Bytes(c, 0));

    public static int Prefix(ScriptContext c, CallArguments a) => Rewrite(c, UriRewriter.Part.Prefix, a.Bytes(c, 0));

    public static int Strip(ScriptContext c, CallArguments a) =>
        a.TryInt(c, 0, out int n) && n >= 0 ? Rewrite(c, UriRewriter.Part.Strip, default, n) : -1;

    public static int StripTail(ScriptContext c, CallArguments a) =>
        a.TryInt(c, 0, out int n) && n >= 0 ? Rewrite(c, UriRewriter.Part.StripTail, default, n) : -1;

    public static int RevertUri(ScriptContext c, CallArguments a)
    {
        c.RevertRequestUri();
        return 1;
    }

    public static int SetDestinationUri(ScriptContext c, CallArguments a) => c.SetDestination(a.Bytes(c, 0)) ? 1 : -1;

    public static int ResetDestinationUri(ScriptContext c, CallArguments a)
    {
        c.ResetDestination();
        return 1;
    }

    public static int IsDestinationUriSet(ScriptContext c, CallArguments a) => c.HasDestination ? 1 : -1;

    /// <summary>append_branch([uri[, q]]): a new branch with <paramref name="a"/>'s URI, or the current R-URI and <c>$du</c>.</summary>
    public static int AppendBranch(ScriptContext c, CallArguments a)
    {
        c.ExtraBranches++;
        ReadOnlySpan<byte> uri = a.Count > 0 ? a.Bytes(c, 0) : default;
        bool ok = uri.IsEmpty
            ? c.AppendBranch(c.RequestUri, c.HasDestination ? c.Destination : default)
            : c.AppendBranch(uri, default);
        return ok ? 1 : -1;
    }

    public static int SetAdvertisedAddress(ScriptContext c, CallArguments a) => c.SetAdvertisedAddress(a.Bytes(c, 0)) ? 1 : -1;

    public static int SetAdvertisedPort(ScriptContext c, CallArguments a) =>
        a.TryInt(c, 0, out int p) && p is > 0 and <= 65535 && c.SetAdvertisedPort(p) ? 1 : -1;

    public static int SetFlag(ScriptContext c, CallArguments a)
    {
        c.Flags |= Bit(a);
        return 1;
    }

    public static int ResetFlag(ScriptContext c, CallArguments a)
    {
        c.Flags &= ~Bit(a);
        return 1;
    }

    public static int IsFlagSet(ScriptContext c, CallArguments a) => (c.Flags & Bit(a)) != 0 ? 1 : -1;

    public static int SetBranchFlag(ScriptContext c, CallArguments a)
    {
        c.BranchFlags |= Bit(a);
        return 1;
    }

    public static int ResetBranchFlag(ScriptContext c, CallArguments a)
    {
        c.BranchFlags &= ~Bit(a);
        return 1;
    }

    public static int IsBranchFlagSet(ScriptContext c, CallArguments a) => (c.BranchFlags & Bit(a)) != 0 ? 1 : -1;

    private static uint Bit(CallArguments a) => a.Fixed(0) is int bit ? 1u << bit : 0u;

    public static int SetUri(ScriptContext c, CallArguments a) => c.Message.IsRequest && c.SetRequestUri(a.Bytes(c, 0)) ? 1 : -1;

    private static int Rewrite(ScriptContext c, UriRewriter.Part part, ReadOnlySpan<byte> value, int count = 0) =>
        UriRewriter.RewriteRequestUri(c, part, value, count) ? 1 : -1;

    public static int IsMyself(ScriptContext c, CallArguments a)
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
    public static int Xlog(ScriptContext c, CallArguments a) => WriteLog(c, a, a.Count > 1 && a.Fixed(0) is int l ? l : -1);

    /// <summary>log([level,] text): default level 2 (notice).</summary>
    public static int Log(ScriptContext c, CallArguments a) => WriteLog(c, a, a.Count > 1 && a.TryInt(c, 0, out int l) ? l : 2);

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
