using System.Diagnostics;

namespace VinzVault.Protocol.Tests;

/// <summary>
/// The core's purity is enforced by the compiler, not by review: these build a throwaway copy of the Protocol
/// project (its .csproj, banned list and the repository's build settings) around one small file, as a child
/// <c>dotnet build</c>. Slow (about 20 s a build), so there are only three builds.
/// </summary>
public sealed class PurityTests
{
    [Theory]
    [InlineData("public static long Now() => System.DateTime.UtcNow.Ticks;", "never reads a clock")]
    [InlineData("public static int Roll() => new System.Random().Next();", "seeded Prng")]
    public void ABannedCallInTheCoreFailsTheBuild(string member, string reason)
    {
        var (exitCode, output) = BuildProtocolWith(member);
        Assert.True(exitCode != 0, "the build succeeded:\n" + output);
        Assert.Contains("RS0030", output, StringComparison.Ordinal);
        Assert.Contains(reason, output, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePureControlBuilds()
    {
        var (exitCode, output) = BuildProtocolWith("public static long Twice(long x) => 2 * x;");
        Assert.True(exitCode == 0, "the build failed:\n" + output);
        Assert.DoesNotContain("RS0030", output, StringComparison.Ordinal);
    }

    private static (int ExitCode, string Output) BuildProtocolWith(string member)
    {
        string root = RepositoryRoot();
        string dir = Path.Combine(Path.GetTempPath(), "vinzvault-purity-" + Guid.NewGuid().ToString("N"));
        string project = Path.Combine(dir, "src", "Protocol");
        Directory.CreateDirectory(project);
        try
        {
            foreach (string file in new[] { "Directory.Build.props", "Directory.Packages.props", ".editorconfig" })
                File.Copy(Path.Combine(root, file), Path.Combine(dir, file));
            foreach (string file in new[] { "Protocol.csproj", "BannedSymbols.txt" })
                File.Copy(Path.Combine(root, "src", "Protocol", file), Path.Combine(project, file));
            File.WriteAllText(Path.Combine(project, "Probe.cs"), $$"""
                namespace VinzVault.Protocol;

                /// <summary>Build probe.</summary>
                public static class Probe
                {
                    {{member}}
                }

                """);
            return Run(Path.Combine(project, "Protocol.csproj"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (int ExitCode, string Output) Run(string projectFile)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // No build servers or reused nodes, so nothing outlives the test.
        foreach (string arg in new[] { "build", projectFile, "-nologo", "--disable-build-servers", "-nodeReuse:false" })
            start.ArgumentList.Add(arg);
        // The test host's own MSBuild settings would point the child build at the wrong SDK pieces.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "the build did not finish within 5 minutes");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VinzVault.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("VinzVault.sln not found above " + AppContext.BaseDirectory);
    }
}
