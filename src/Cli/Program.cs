using System.CommandLine;
using VinzVault.Cli;

var root = new RootCommand("VinzVault: highly available block storage for virtual machines")
{
    SimCommand.Build(),
};
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var e in parsed.Errors) Console.Error.WriteLine($"vinzvault: {e.Message}");
    return 2;
}
return parsed.Invoke();
