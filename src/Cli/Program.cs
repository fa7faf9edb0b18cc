using System.CommandLine;
using VinzVault.Cli;

var root = new RootCommand("VinzVault: highly available block storage for virtual machines");
root.Subcommands.Add(NodeCommand.Build());
return await root.Parse(args).InvokeAsync();
