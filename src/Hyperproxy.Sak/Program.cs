using Hyperproxy.Sak.Cli;

return SakCli.Run(args, Console.Out, Console.Error);
