using System.CommandLine;
using System.CommandLine.Parsing;
using Hyperproxy.Hosting;
using Hyperproxy.Location;
using Hyperproxy.Script;
using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Cli;

/// <summary>
/// The command line: <c>hyperproxy run|version|...</c>. Every flag says what it takes; every bad
/// value is reported with the flag's name and why it was refused (exit code 1), without the help text.
/// </summary>
public static class HyperproxyCli
{
    /// <summary>Exit code of a command-line mistake (unknown flag, a value of the wrong form, no command).</summary>
    public const int UsageExit = 2;

    /// <summary>Exit code of a failure at run time (a file, the script, the machine refused).</summary>
    public const int FailureExit = 1;

    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        RootCommand root = Build();
        var invocation = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
            EnableDefaultExceptionHandler = false,
        };
        if (args.Length == 0)
        {
            root.Parse(["--help"]).Invoke(invocation); // bare "hyperproxy": the usage, and no command was run
            return UsageExit;
        }

        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line per mistake, in the same form as every other error; no page of help.
            foreach (string line in CliErrors.Describe(parse))
            {
                invocation.Error.WriteLine("hyperproxy: " + line);
            }

            return UsageExit;
        }

        try
        {
            return parse.Invoke(invocation);
        }
        catch (StartupException e)
        {
            invocation.Error.WriteLine($"hyperproxy: {e.Message}");
            return e.IsUsage ? UsageExit : FailureExit;
        }
    }

    public static RootCommand Build()
    {
        var root = new RootCommand("Hyperproxy: a SIP edge proxy and registrar (OpenSIPS-style scripts, per-core UDP workers).");
        root.Add(BuildRun());
        root.Add(BuildVersion());
        root.Add(BuildCheckConfig());
        root.Add(BuildDefaultConfig());
        root.Add(BuildModules());
        root.Add(CtlCommand.Build());
        return root;
    }

    private static Command BuildVersion()
    {
        var version = new Command("version", "Print the version, the runtime and the machine.");
        version.SetAction(parse =>
        {
            parse.InvocationConfiguration.Output.WriteLine(VersionInfo.Describe());
            return 0;
        });
        return version;
    }

    private static Command BuildCheckConfig()
    {
        var file = new Argument<string>("FILE") { Description = "The routing script to check." };
        var ignoreMissing = IgnoreMissingModules();
        var command = new Command("check-config", "Load and compile a routing script without starting; print every error as file:line:column: message. Exit 0 when it is good, 1 when not.")
        {
            file, ignoreMissing,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            ScriptFile.RequireReadable("check-config", path);
            var catalog = new Modules.ModuleCatalog { IgnoreMissingModules = parse.GetValue(ignoreMissing) };
            CompiledScript? script = ScriptSetup.TryLoad(path, catalog, out var errors);
            foreach (var warning in catalog.Warnings)
            {
                parse.InvocationConfiguration.Error.WriteLine("warning: " + warning);
            }

            if (script is null)
            {
                foreach (var e in errors)
                {
                    parse.InvocationConfiguration.Error.WriteLine(e.ToString());
                }

                parse.InvocationConfiguration.Error.WriteLine($"hyperproxy: check-config '{path}': {errors.Count} error(s)");
                return FailureExit;
            }

            parse.InvocationConfiguration.Output.WriteLine($"{path}: OK ({script.Program.Routes.Count} route block(s), {script.Program.Modules.Count} module(s))");
            return 0;
        });
        return command;
    }

    private static Option<bool> IgnoreMissingModules() => new("--ignore-missing-modules")
    {
        Description = "A loadmodule of a module that is not built in (see 'hyperproxy modules') is one warning instead of a start-up error; "
            + "its functions stay unknown.",
    };

    private static Command BuildModules()
    {
        var command = new Command("modules", "Print the built-in modules: their functions (arities, route blocks) and parameters (type, default).");
        command.SetAction(parse =>
        {
            var catalog = new Modules.ModuleCatalog();
            Modules.ModuleTableWriter.Write(parse.InvocationConfiguration.Output, catalog.CreateRegistry().Modules);
            return 0;
        });
        return command;
    }

    private static Command BuildDefaultConfig()
    {
        var command = new Command("default-config", "Print the built-in default routing script (the one 'run' uses without --config).");
        command.SetAction(parse =>
        {
            parse.InvocationConfiguration.Output.Write(ScriptLoader.DefaultScriptText);
            return 0;
        });
        return command;
    }

    private static Command BuildRun()
    {
        var listen = new Option<string[]>("--listen", "-l")
        {
            Description = "A socket to serve: PROTO:ADDR:PORT or PROTO:[ADDR6]:PORT with PROTO udp, tcp, tls, ws or wss, optionally followed by \" as HOST[:PORT]\" "
                + "for the address advertised in Via/Record-Route/Path. Repeat for several sockets. Default: udp:127.0.0.1:5060.",
            AllowMultipleArgumentsPerToken = false,
            HelpName = "PROTO:ADDR:PORT[ as HOST[:PORT]]",
        };
        var advertise = new Option<string?>("--advertise")
        {
            Description = "The HOST[:PORT] advertised for every --listen socket that has no \" as ...\" of its own.",
            HelpName = "HOST[:PORT]",
        };
        var workers = new Option<int?>("--workers", "-w")
        {
            Description = "Worker threads (1-1024), each with its own socket per listen address. Default: one per CPU in --cpus, or per available CPU.",
            HelpName = "N",
            CustomParser = r => CliErrors.ParseInt(r, 1, 1024, null),
        };
        var cpus = new Option<string?>("--cpus")
        {
            Description = "CPUs to pin the workers to, one worker per listed CPU in order: a list like 0,2-3. Default: no pinning.",
            HelpName = "LIST",
        };
        var batch = new Option<int>("--batch")
        {
            Description = "Datagrams read per recvmmsg and written per sendmmsg (1-1024).",
            DefaultValueFactory = _ => ServerOptions.DefaultBatch,
            HelpName = "N",
            CustomParser = r => CliErrors.ParseInt(r, 1, 1024, ServerOptions.DefaultBatch) ?? ServerOptions.DefaultBatch,
        };
        var config = new Option<string?>("--config", "-f")
        {
            Description = "The routing script (OpenSIPS language). Default: the built-in script (see 'hyperproxy default-config').",
            HelpName = "FILE",
        };
        var dataDir = new Option<DirectoryInfo>("--data-dir")
        {
            Description = "Folder for the location store's files (DIR/location), used when the script loads registrar or usrloc.",
            DefaultValueFactory = _ => new DirectoryInfo("data"),
            HelpName = "DIR",
        };
        var durability = new Option<string?>("--durability")
        {
            Description = "Location store durability: none (memory only), checkpoint (a checkpoint every second; a crash loses "
                + "at most the last second) or sync (a REGISTER's 200 OK leaves only once the binding is in the write-ahead log). "
                + "Default: usrloc's \"durability\" modparam, else " + ServerOptions.DefaultDurabilityName + ".",
            HelpName = "none|checkpoint|sync",
        };
        var checkpointWalSize = new Option<string?>("--checkpoint-wal-size")
        {
            Description = "Sync durability: start a checkpoint early once the write-ahead log has grown by SIZE since the "
                + "last one, which bounds WAL disk use and restart replay in a REGISTER burst (bytes, or K/M/G; at least "
                + "1M; 0 = checkpoints on the timer only). Default: usrloc's \"checkpoint_wal_size\" modparam, else 64M.",
            HelpName = "SIZE",
        };
        var locationStore = new Option<string?>("--location-store")
        {
            Description = "Where the location table lives: faster (the embedded store) or a Redis URL, "
                + "redis://[user:]password@HOST[:PORT][,HOST[:PORT]...]/[DB] (standalone, a primary among replicas, or any node "
                + "of a Redis Cluster; Garnet too), shared by every node given the same URL. Default: usrloc's cluster_mode "
                + "and cachedb_url modparams, else faster.",
            HelpName = "faster|redis://HOST:PORT/",
        };
        var logLevel = new Option<string?>("--log-level")
        {
            Description = Log.LevelsHelp + ". Default: the script's log_level, else notice.",
            HelpName = "LEVEL",
        };

        var tlsCert = new Option<string?>("--tls-cert")
        {
            Description = "PEM certificate (chain) of the tls: sockets when the script configures no tls_mgm server domain; needs --tls-key.",
            HelpName = "FILE",
        };
        var tlsKey = new Option<string?>("--tls-key")
        {
            Description = "PEM private key of --tls-cert.",
            HelpName = "FILE",
        };

        var dnsServer = new Option<string[]>("--dns-server")
        {
            Description = "A nameserver for next-hop lookups (RFC 3263: NAPTR, SRV, A/AAAA), IP or IP:PORT ([IPv6]:PORT); repeat for "
                + "several, asked in turn. Default: the nameservers of /etc/resolv.conf.",
            AllowMultipleArgumentsPerToken = false,
            HelpName = "IP[:PORT]",
        };

        var ignoreMissing = IgnoreMissingModules();
        var run = new Command("run", "Start the proxy and serve until SIGINT or SIGTERM.")
        {
            listen, advertise, workers, cpus, batch, config, dataDir, durability, checkpointWalSize, locationStore, logLevel, tlsCert, tlsKey, dnsServer, ignoreMissing,
        };
        run.SetAction(parse =>
        {
            string? configPath = parse.GetValue(config);
            ServerOptions options = ServerOptions.From(
                parse.GetValue(listen) ?? [],
                parse.GetValue(advertise),
                parse.GetValue(workers),
                parse.GetValue(cpus),
                parse.GetValue(batch),
                configPath is null ? null : Path.GetFullPath(configPath),
                parse.GetValue(dataDir)!.FullName,
                parse.GetValue(logLevel)!,
                parse.GetValue(durability),
                parse.GetValue(checkpointWalSize),
                parse.GetValue(ignoreMissing),
                parse.GetValue(locationStore)) with
            {
                TlsCertificate = parse.GetValue(tlsCert) is { } cert ? Path.GetFullPath(cert) : null,
                TlsKey = parse.GetValue(tlsKey) is { } key ? Path.GetFullPath(key) : null,
                DnsServers = DnsServers(parse.GetValue(dnsServer)),
            };
            if ((options.TlsCertificate is null) != (options.TlsKey is null))
            {
                throw StartupException.Usage(options.TlsCertificate is null ? "--tls-key: needs --tls-cert" : "--tls-cert: needs --tls-key");
            }

            if (configPath is not null)
            {
                ScriptFile.RequireReadable("--config", configPath);
            }

            return ServerHost.RunUntilSignalled(options, parse.InvocationConfiguration.Output);
        });
        return run;
    }


    private static System.Net.IPEndPoint[] DnsServers(string[]? values)
    {
        var servers = new List<System.Net.IPEndPoint>();
        foreach (string value in values ?? [])
        {
            if (!Hyperproxy.Proxy.Dns.DnsClient.TryParseServer(value, out System.Net.IPEndPoint? server))
            {
                throw StartupException.Usage($"--dns-server '{value}': not an IP address or IP:PORT");
            }

            servers.Add(server!);
        }

        return [.. servers];
    }
}
