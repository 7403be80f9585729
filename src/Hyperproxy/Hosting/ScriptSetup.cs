using Hyperproxy.Modules;
using Hyperproxy.Proxy;
using Hyperproxy.Script;
using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Script.Text;
using Hyperproxy.Sip;
using Hyperproxy.Transport;

namespace Hyperproxy.Hosting;

/// <summary>Loads, checks and compiles the routing script; turns its globals into server settings.</summary>
public static class ScriptSetup
{
    /// <summary>Loads and compiles a script file; every problem as <c>file:line:column: message</c>.</summary>
    public static CompiledScript? TryLoad(string path, out IReadOnlyList<ScriptDiagnostic> errors) =>
        TryLoad(path, new ModuleCatalog(), out errors);

    /// <summary>Loads and compiles a script file with the modules of <paramref name="catalog"/> (which keeps their settings).</summary>
    public static CompiledScript? TryLoad(string path, ModuleCatalog catalog, out IReadOnlyList<ScriptDiagnostic> errors)
    {
        // The modules' export tables are the registry; their parameter rows read the script's modparams.
        return catalog.TryLoadFile(path, out errors);
    }

    /// <summary>The script for <c>hyperproxy run</c>: the file, else the built-in default; errors stop start-up.</summary>
    public static CompiledScript Load(string? path) => Load(path, new ModuleCatalog());

    /// <summary>As <see cref="Load(string?)"/>, with the modules of <paramref name="catalog"/>.</summary>
    public static CompiledScript Load(string? path, ModuleCatalog catalog)
    {
        if (path is null)
        {
            return DefaultScript.Compiled;
        }

        CompiledScript? script;
        IReadOnlyList<ScriptDiagnostic> errors;
        try
        {
            script = TryLoad(path, catalog, out errors);
        }
        catch (ArgumentException e)
        {
            throw new StartupException($"--config '{path}': the routing script has errors:" + Environment.NewLine + e.Message);
        }

        if (script is null)
        {
            // The flag's line first, in the CLI's one form, then each error as file:line:column: message.
            throw new StartupException($"--config '{path}': the routing script has {errors.Count} error(s):" + Environment.NewLine
                + string.Join(Environment.NewLine, errors));
        }

        foreach (ScriptDiagnostic warning in catalog.Warnings)
        {
            Log.Warning(warning.ToString());
        }

        return script;
    }

    /// <summary>
    /// The sockets to serve: <c>--listen</c> when given, else the script's <c>socket=</c>/<c>listen=</c>
    /// lines (udp, tcp, tls: each needs its proto_ module loaded), else the options' default.
    /// </summary>
    public static IReadOnlyList<ListenSpec> Sockets(ServerOptions options, CompiledScript script)
    {
        GlobalSettings settings = script.Program.Settings;
        if (options.ListenGiven || options.ConfigPath is null || settings.Sockets.Count == 0)
        {
            foreach (ListenSpec spec in options.Listen)
            {
                string module = "proto_" + spec.Protocol;
                if (options.ConfigPath is not null && spec.Transport.IsStream() && !script.Program.IsModuleLoaded(module))
                {
                    throw new StartupException($"--listen {spec}: the script loads no module for {spec.Protocol}; loadmodule \"{module}.so\"");
                }
            }

            return options.Listen;
        }

        var specs = new List<ListenSpec>();
        string? advertise = settings.AdvertisedAddress is { } a ? a + (settings.AdvertisedPort > 0 ? ":" + settings.AdvertisedPort : string.Empty) : null;
        foreach (SocketDefinition socket in settings.Sockets)
        {
            SocketSpec address = socket.Address;
            string protocol = address.Protocol ?? "udp";
            if (protocol is "hep_udp" or "hep_tcp")
            {
                // proto_hep's sockets carry no SIP: HepSockets hands them to the tracer.
                continue;
            }

            if (protocol is not ("udp" or "tcp" or "tls" or "ws" or "wss"))
            {
                throw new StartupException($"socket {address}: transport '{protocol}' is not served (udp, tcp, tls, ws, wss)");
            }

            string module = "proto_" + protocol;
            if (protocol != "udp" && !script.Program.IsModuleLoaded(module))
            {
                // OpenSIPS: "listeners found for protocol X, but no module can handle it".
                throw new StartupException($"socket {address}: listeners found for protocol {protocol}, but no module can handle it; loadmodule \"{module}.so\"");
            }

            string host = address.Host.Contains(':') ? "[" + address.Host + "]" : address.Host == "*" ? "0.0.0.0" : address.Host;
            int port = address.Port != 0 ? address.Port : protocol switch { "ws" => 80, "wss" => 443, _ => address.PortOrDefault };
            string text = $"{protocol}:{host}:{port}";
            string? advertised = socket.AdvertisedAs is { } adv ? (adv.Host.Contains(':') ? "[" + adv.Host + "]" : adv.Host) + (adv.Port > 0 ? ":" + adv.Port : string.Empty) : advertise;
            specs.Add(ServerOptions.ParseListen(advertised is null ? text : text + " as " + advertised, null));
        }

        return specs.Count > 0 ? specs : options.Listen;
    }

    /// <summary>
    /// The script's <c>socket=hep_udp:IP:PORT</c> lines: the addresses tracer's HEP packets leave from (proto_hep
    /// must be loaded). <c>hep_tcp</c> is refused: HEP is sent over UDP only.
    /// </summary>
    public static IReadOnlyList<System.Net.IPEndPoint> HepSockets(CompiledScript script)
    {
        var list = new List<System.Net.IPEndPoint>();
        foreach (SocketDefinition socket in script.Program.Settings.Sockets)
        {
            SocketSpec address = socket.Address;
            if (address.Protocol is not ("hep_udp" or "hep_tcp"))
            {
                continue;
            }

            if (address.Protocol == "hep_tcp")
            {
                throw new StartupException($"socket {address}: HEP over TCP is not built in Hyperproxy; use socket=hep_udp:IP:PORT (and hep_id transport=udp)");
            }

            if (!script.Program.IsModuleLoaded(Modules.Tracer.TracerModule.HepName))
            {
                throw new StartupException($"socket {address}: listeners found for protocol hep_udp, but no module can handle it; loadmodule \"proto_hep.so\"");
            }

            if (!System.Net.IPAddress.TryParse(address.Host == "*" ? "0.0.0.0" : address.Host, out System.Net.IPAddress? ip))
            {
                throw new StartupException($"socket {address}: a hep_udp socket needs an IP address");
            }

            // proto_hep's hep_port (9060) when the socket names no port.
            list.Add(new System.Net.IPEndPoint(ip, address.Port != 0 ? address.Port : 9060));
        }

        return list;
    }

    /// <summary>
    /// The script's <c>alias=</c> names as <c>host[:port]</c> (no port: any port), then, with
    /// <c>auto_aliases</c>, the names each bound address reverse-resolves to (its host name and the
    /// resolver's aliases) on that socket's port, as OpenSIPS adds them when it fixes its listen sockets.
    /// A wildcard address has no name; an address that does not resolve is logged and skipped.
    /// </summary>
    public static IReadOnlyList<string> Aliases(CompiledScript script, IReadOnlyList<NetAddress> bound,
        Func<System.Net.IPAddress, System.Net.IPHostEntry>? reverse = null)
    {
        var list = new List<string>();
        foreach (SocketSpec alias in script.Program.Settings.Aliases)
        {
            string host = alias.Host.Contains(':') ? "[" + alias.Host + "]" : alias.Host;
            list.Add(alias.Port > 0 ? host + ":" + alias.Port : host);
        }

        if (!script.Program.Settings.AutoAliases)
        {
            return list;
        }

        reverse ??= System.Net.Dns.GetHostEntry;
        foreach (NetAddress address in bound)
        {
            if (address.IsAny)
            {
                continue;
            }

            System.Net.IPHostEntry entry;
            try
            {
                entry = reverse(address.ToIPEndPoint().Address);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                Log.Warning($"auto_aliases: could not reverse-resolve {address.HostToString()}: {e.Message}");
                continue;
            }

            string port = ":" + address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (string name in (string[])[entry.HostName, .. entry.Aliases])
            {
                if (string.IsNullOrEmpty(name) || System.Net.IPAddress.TryParse(name, out _))
                {
                    continue;
                }

                try
                {
                    AdvertisedAddress.Parse(name + port, address.Port);
                    list.Add(name + port);
                }
                catch (TransportException e)
                {
                    Log.Warning($"auto_aliases: {address.HostToString()} resolves to a name that is no SIP host: {e.Message}");
                }
            }
        }

        return list;
    }
}
