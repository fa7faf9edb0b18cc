using System.CommandLine;
using VinzVault.Cli;

var root = new RootCommand("VinzVault: highly available block storage for virtual machines")
{
    SimCommand.Build(),
    NodeCommand.Build(),
};
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // Bad input on the command line is exit 2, like a bad scenario or config file.
    foreach (var e in parsed.Errors) Console.Error.WriteLine($"vinzvault: {e.Message}");
    return 2;
}
return await parsed.InvokeAsync();
