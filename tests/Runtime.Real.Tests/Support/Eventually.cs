using System.Diagnostics;

namespace VinzVault.Runtime.Real.Tests.Support;

/// <summary>Waits for a condition with a generous timeout, so tests assert outcomes, never speeds.</summary>
internal static class Eventually
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static async Task Until(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Timeout) Assert.Fail($"timed out after {Timeout.TotalSeconds}s waiting for {what}");
            await Task.Delay(20);
        }
    }

    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "vinzvault-tests", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(path);
        return path;
    }
}
