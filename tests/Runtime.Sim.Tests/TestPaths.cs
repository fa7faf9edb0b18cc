using System.Diagnostics;

namespace VinzVault.Runtime.Sim.Tests;

/// <summary>Finds the repository and runs the built <c>vinzvault</c> command as a child process.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Scenario(string name) => Path.Combine(RepoRoot, "sim-scenarios", name);

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "VinzVault.sln"))) return d.FullName;
        throw new InvalidOperationException("VinzVault.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs <c>vinzvault ARGS</c> (the Cli build copied next to the tests) and returns exit code, stdout and stderr.</summary>
    public static (int Exit, string Out, string Err) Vinzvault(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoRoot };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vinzvault.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException("vinzvault " + string.Join(' ', args)); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
