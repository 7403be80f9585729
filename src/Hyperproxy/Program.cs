return Hyperproxy.Cli.HyperproxyCli.Run(args);
