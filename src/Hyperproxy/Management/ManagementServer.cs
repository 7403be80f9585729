using System.Net;
using Hyperproxy.Hosting;
using Hyperproxy.Management.Http;
using Hyperproxy.Management.Mi;
using Hyperproxy.Modules.Httpd;
using Hyperproxy.Script.Declarations;

namespace Hyperproxy.Management;

/// <summary>
/// The management side of a running server when the script loads <c>httpd</c>: the HTTP server (its own
/// threads), the MI thread and its commands (the core's, then every loaded module's), mi_http at its root,
/// prometheus at its root, the dashboard. Refuses to start on an address that is not loopback unless httpd's
/// <c>allow_remote</c> is 1, and warns then.
/// </summary>
public sealed class ManagementServer : IDisposable
{
    private readonly HttpServer _http;
    private readonly MiThread _mi;

    private ManagementServer(HttpServer http, MiThread mi, MiDispatcher dispatcher)
    {
        _http = http;
        _mi = mi;
        Dispatcher = dispatcher;
    }

    public IPEndPoint LocalEndPoint => _http.LocalEndPoint;

    public MiDispatcher Dispatcher { get; }

    /// <summary>Starts what the script asks for, or null when it does not load httpd.</summary>
    public static ManagementServer? StartFor(ProxyServer server)
    {
        var program = server.Script.Program;
        HttpdModule httpd = server.Catalog.Httpd;
        bool loaded = program.IsModuleLoaded(HttpdModule.Name);
        foreach (string needs in (string[])[HttpdModule.MiHttpName, HttpdModule.PrometheusName])
        {
            if (program.IsModuleLoaded(needs) && !loaded)
                throw new StartupException($"{needs} needs the httpd module: loadmodule \"httpd.so\"");
        }

        if (!loaded)
            return null;
        if (!IPAddress.IsLoopback(httpd.Address))
        {
            if (!httpd.AllowRemote)
                throw new StartupException($"httpd: {httpd.Address} is not a loopback address; MI can remove registrations, so a management port "
                    + "reachable from the network needs modparam(\"httpd\", \"allow_remote\", 1)");
            Log.Warning($"httpd: listening on {httpd.Address}, reachable from the network (allow_remote): anyone who reaches it can run MI commands");
        }

        var http = new HttpServer(new IPEndPoint(httpd.Address, httpd.Port)) { Timeout = httpd.Timeout, MaxBody = httpd.MaxBody };
        var mi = new MiThread();
        var dispatcher = new MiDispatcher(mi);
        var management = new ManagementServer(http, mi, dispatcher);
        try
        {
            var processes = new List<string> { "attendant" };
            foreach (var a in server.LocalAddresses)
            {
                for (int w = 0; w < server.Workers.Count; w++)
                    processes.Add($"SIP receiver udp:{a}");
                break;
            }

            processes.Add($"HTTPD {http.LocalEndPoint}");
            processes.Add("MI");
            if (server.Timers is not null)
                processes.Add("timer_route");
            foreach (var c in CoreMiCommands.Create(server, dispatcher, processes))
                dispatcher.Add(c);
            foreach (ModuleDeclaration module in server.Catalog.Exports)
            {
                if (!program.IsModuleLoaded(module.Name))
                    continue;
                foreach (var c in module.MiCommands)
                    dispatcher.Add(c);
            }

            mi.OnStop(server.Catalog.Registrar.CloseMiSession);
            if (program.IsModuleLoaded(HttpdModule.MiHttpName))
                http.Map(httpd.MiRoot, new MiHttpRoute(dispatcher));
            if (program.IsModuleLoaded(HttpdModule.PrometheusName))
                http.Map(httpd.PrometheusRoot, new PrometheusRoute(server.Statistics, httpd, server.Metrics.Latency));
            if (httpd.Dashboard)
                Dashboard.Map(http, server);
            http.Start();
            Log.Notice($"httpd: listening on http://{http.LocalEndPoint}/"
                + (program.IsModuleLoaded(HttpdModule.MiHttpName) ? $" (MI at {httpd.MiRoot}" + (program.IsModuleLoaded(HttpdModule.PrometheusName) ? $", metrics at {httpd.PrometheusRoot})" : ")") : ""));
            return management;
        }
        catch
        {
            management.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _mi.Dispose();
    }
}
