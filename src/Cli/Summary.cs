using System.Text.Json.Nodes;
using VinzVault.Runtime.Sim.Engine;

namespace VinzVault.Cli;

/// <summary>The terminal summary of a finished run.</summary>
internal static class Summary
{
    public static void Print(JsonObject r, Simulator sim)
    {
        Console.WriteLine($"ran {r["virtualSeconds"]} virtual s in {r["wallSeconds"]} s wall: {r["events"]} events ({r["eventsPerWallSecond"]}/s), {r["messages"]} messages, {r["bytes"]} bytes");
        Console.WriteLine($"trace digest {r["traceDigest"]}, peak working set {(long)r["peakWorkingSetBytes"]! / (1 << 20)} MiB");
        var faults = sim.Faults.All().Where(f => f.Value != 0).Select(f => $"{f.Name}={f.Value}").ToList();
        Console.WriteLine(faults.Count == 0 ? "faults: none" : "faults: " + string.Join(", ", faults));
        foreach (var section in new[] { "membership", "storage", "ping" })
            if (r[section] is JsonObject obj && obj.Count > 0)
                Console.WriteLine($"{section}: " + string.Join(", ", obj.Where(kv => kv.Value is JsonValue).Select(kv => $"{kv.Key}={kv.Value}")));
        foreach (var inv in sim.Invariants)
            Console.WriteLine($"  {(inv.Held ? "ok  " : "FAIL")} {inv.Name}: {inv.Checks} checks, {inv.Violations} violations{(inv.FirstViolation is null ? "" : "; first: " + inv.FirstViolation)}");
    }
}
