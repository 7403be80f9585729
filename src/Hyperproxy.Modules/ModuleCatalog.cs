using Hyperproxy.Modules.Auth;
using Hyperproxy.Modules.AuthDb;
using Hyperproxy.Modules.CachedbRedis;
using Hyperproxy.Modules.DbText;
using Hyperproxy.Modules.Dispatcher;
using Hyperproxy.Modules.Httpd;
using Hyperproxy.Modules.Maxfwd;
using Hyperproxy.Modules.Nathelper;
using Hyperproxy.Modules.Path;
using Hyperproxy.Modules.Permissions;
using Hyperproxy.Modules.Pike;
using Hyperproxy.Modules.ProtoTcp;
using Hyperproxy.Modules.ProtoUdp;
using Hyperproxy.Modules.Registrar;
using Hyperproxy.Modules.Rr;
using Hyperproxy.Modules.Sanity;
using Hyperproxy.Modules.Signaling;
using Hyperproxy.Modules.Sipmsgops;
using Hyperproxy.Modules.Sl;
using Hyperproxy.Modules.Statistics;
using Hyperproxy.Modules.Tracer;
using Hyperproxy.Modules.Tm;
using Hyperproxy.Script;
using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Runtime;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Modules;

/// <summary>
/// The modules built into Hyperproxy, wired into script loading: their export tables are the function
/// registry (binding), their parameter rows read the loaded program's modparams (configuration), and
/// the function rows name the bodies the compiled routes call. One catalog per loaded script (module
/// instances hold that script's parameters and callbacks).
/// </summary>
public sealed class ModuleCatalog
{
    public ModuleCatalog()
    {
        Sl = new SlModule();
        Signaling = new SignalingModule();
        Maxfwd = new MaxfwdModule();
        Sipmsgops = new SipmsgopsModule();
        Sanity = new SanityModule();
        ProtoUdp = new ProtoUdpModule();
        ProtoTcp = new ProtoTcpModule();
        ProtoTls = new Tls.ProtoTlsModule();
        TlsMgm = new Tls.TlsMgmModule();
        ProtoWs = new ProtoWs.ProtoWsModule();
        Rr = new RrModule();
        Outbound = new Outbound.OutboundModule(Rr);
        Rr.Outbound = Outbound;
        Path = new PathModule(Rr, Outbound);
        Registrar = new RegistrarModule();
        CachedbRedis = new CachedbRedisModule();
        DbText = new DbTextModule();
        Auth = new AuthModule();
        AuthDb = new AuthDbModule(Auth, DbText);
        Pike = new PikeModule();
        Permissions = new PermissionsModule(DbText);
        Statistics = new StatisticsModule();
        Httpd = new HttpdModule();
        Tracer = new TracerModule();
        Tm = new TmModule();
        Dispatcher = new DispatcherModule(Tm);
        Nathelper = new NathelperModule(Registrar);
        Exports =
        [
            Sl.Exports, Signaling.Exports, Maxfwd.Exports, Sipmsgops.Exports, ProtoUdp.Exports, ProtoTcp.Exports,
            ProtoTls.Exports, TlsMgm.Exports, new Tls.TlsOpensslModule().Exports, ProtoWs.WsExports, ProtoWs.WssExports,
            Rr.Exports, Path.Exports, Registrar.Exports, Registrar.UsrlocExports, CachedbRedis.Exports,
            DbText.Exports, Auth.Exports, AuthDb.Exports, Pike.Exports, Permissions.Exports,
            Statistics.Exports, Httpd.Exports, Httpd.MiHttpExports, Httpd.PrometheusExports, Tracer.Exports, Tracer.HepExports,
            Tm.Exports, Dispatcher.Exports, Nathelper.Exports, Outbound.Exports, Sanity.Exports,
        ];
    }

    public SlModule Sl { get; }

    public SignalingModule Signaling { get; }

    public MaxfwdModule Maxfwd { get; }

    public SipmsgopsModule Sipmsgops { get; }

    /// <summary>Kamailio's sanity module (sanity_check, sanity_reply).</summary>
    public SanityModule Sanity { get; }

    public ProtoUdpModule ProtoUdp { get; }

    public ProtoTcpModule ProtoTcp { get; }

    public Tls.ProtoTlsModule ProtoTls { get; }

    public Tls.TlsMgmModule TlsMgm { get; }

    public ProtoWs.ProtoWsModule ProtoWs { get; }

    public RrModule Rr { get; }

    public PathModule Path { get; }

    public RegistrarModule Registrar { get; }

    public CachedbRedisModule CachedbRedis { get; }

    public DbTextModule DbText { get; }

    public AuthModule Auth { get; }

    public AuthDbModule AuthDb { get; }

    public PikeModule Pike { get; }

    public PermissionsModule Permissions { get; }

    public StatisticsModule Statistics { get; }

    public HttpdModule Httpd { get; }

    public TracerModule Tracer { get; }

    public TmModule Tm { get; }

    public DispatcherModule Dispatcher { get; }

    public NathelperModule Nathelper { get; }

    public Outbound.OutboundModule Outbound { get; }

    /// <summary>Every module's export table, in registration order (core not included).</summary>
    public IReadOnlyList<ModuleDeclaration> Exports { get; }

    /// <summary><c>--ignore-missing-modules</c>: a <c>loadmodule</c> of a module that is not built in is a warning, not an error.</summary>
    public bool IgnoreMissingModules { get; init; }

    /// <summary>The warnings of the last load (modules ignored by <see cref="IgnoreMissingModules"/>).</summary>
    public IReadOnlyList<ScriptDiagnostic> Warnings { get; private set; } = [];

    /// <summary>The core functions plus every module's table.</summary>
    public FunctionRegistry CreateRegistry()
    {
        FunctionRegistry registry = FunctionRegistry.CreateDefault();
        registry.IgnoreMissingModules = IgnoreMissingModules;
        foreach (ModuleDeclaration module in Exports)
        {
            registry.RegisterModule(module);
        }

        return registry;
    }

    /// <summary>The core pseudo-variables plus every module's.</summary>
    public PseudoVariableRegistry CreateVariables()
    {
        PseudoVariableRegistry variables = PseudoVariableRegistry.CreateDefault();
        foreach (ModuleDeclaration module in Exports)
        {
            foreach (PseudoVariableDeclaration variable in module.PseudoVariables)
            {
                variables.Register(variable);
            }
        }

        return variables;
    }

    /// <summary>
    /// Stores the modparams of <paramref name="program"/> (defaults for the rest) through every module's
    /// table and runs each module's init; a value a module refuses throws <see cref="ModuleParameterException"/>.
    /// </summary>
    public void Configure(ScriptProgram program)
    {
        foreach (ModuleDeclaration module in Exports)
        {
            ModuleTable.Configure(module, program);
        }

        // tls_mgm attributes repeat once per domain ("[name]value"): read every line in order.
        TlsMgm.Configure(program);

        // Branch flags named by modparams exist once the script is bound.
        Registrar.ResolveFlags(program);
        Nathelper.ResolveFlags(program);
        Outbound.ResolveSettings(program);
    }

    /// <summary>Configures the modules and compiles a loaded script; null with every error otherwise.</summary>
    public CompiledScript? TryBuild(ScriptLoadResult load, out IReadOnlyList<ScriptDiagnostic> errors)
    {
        Warnings = load.Warnings;
        if (!load.Succeeded)
        {
            errors = load.Diagnostics;
            return null;
        }

        try
        {
            Configure(load.Program!);
        }
        catch (ModuleParameterException e)
        {
            errors = [e.Diagnostic];
            return null;
        }

        Dispatcher.ReserveAvps(load.Program!);
        ScriptCompiler.TryCompile(load.Program!, out CompiledScript? script, out errors);
        if (script is not null && Dispatcher.Bind(script) is { } dispatcherError)
        {
            errors = [new ScriptDiagnostic(Where(load.Program!, DispatcherModule.Name, dispatcherError.Contains("ds_ping_interval", StringComparison.Ordinal) ? "ds_ping_interval" : null), dispatcherError)];
            return null;
        }

        if (script is not null)
        {
            Registrar.Bind(script);
            Auth.Bind(script);
            AuthDb.Bind(script);
            Tm.Bind(script);
            Nathelper.Bind(script);
            if (Pike.Bind(script) is { } refused)
            {
                errors = [ModuleParameterException.For(load.Program!, PikeModule.Name, "check_route", refused).Diagnostic];
                return null;
            }
        }

        return script;
    }

    /// <summary>Where a module's start-up error points: its modparam <paramref name="parameter"/> (or any of its modparams), else the first route.</summary>
    private static SourceLocation Where(ScriptProgram program, string module, string? parameter)
    {
        SourceLocation any = default;
        foreach (ModuleParameterValue p in program.ModuleParameters)
        {
            if (p.Module.Name == module && (parameter is null || p.Parameter.Name == parameter))
            {
                return p.Location;
            }

            if (p.Module.Name == module && any == default)
            {
                any = p.Location;
            }
        }

        return any != default ? any : program.Routes.Count > 0 ? program.Routes[0].Location : default;
    }

    /// <summary>Loads a script file with these modules and compiles it.</summary>
    public CompiledScript? TryLoadFile(string path, out IReadOnlyList<ScriptDiagnostic> errors)
    {
        AuthDb.ConfigDirectory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? Environment.CurrentDirectory;
        Permissions.ConfigDirectory = AuthDb.ConfigDirectory;
        Dispatcher.ConfigDirectory = AuthDb.ConfigDirectory;
        return TryBuild(ScriptLoader.Load(path, CreateRegistry(), CreateVariables()), out errors);
    }

    /// <summary>Loads script text with these modules and compiles it.</summary>
    public CompiledScript? TryLoadText(string text, string fileName, out IReadOnlyList<ScriptDiagnostic> errors) =>
        TryBuild(ScriptLoader.LoadFromText(text, fileName, CreateRegistry(), CreateVariables()), out errors);

    /// <summary>The built-in default script, compiled with these modules.</summary>
    public CompiledScript? TryLoadDefault(out IReadOnlyList<ScriptDiagnostic> errors) =>
        TryBuild(ScriptLoader.LoadDefault(CreateRegistry(), CreateVariables()), out errors);

    /// <summary>Script text to a compiled script; throws <see cref="InvalidOperationException"/> listing the errors (tests, tools).</summary>
    public CompiledScript CompileText(string text, string fileName = "script.cfg") =>
        TryLoadText(text, fileName, out var errors) ?? throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
}
