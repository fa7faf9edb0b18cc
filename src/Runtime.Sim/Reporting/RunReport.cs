using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VinzVault.Runtime.Sim.Engine;

namespace VinzVault.Runtime.Sim.Reporting;

/// <summary>Builds the JSON report of a finished run. Field names are stable: tools read them.</summary>
public static class RunReport
{
    public static JsonObject Build(Simulator sim)
    {
        var s = sim.Scenario;
        var invariants = new JsonArray();
        foreach (var inv in sim.Invariants)
            invariants.Add(new JsonObject
            {
                ["name"] = inv.Name,
                ["held"] = inv.Held,
                ["checks"] = inv.Checks,
                ["violations"] = inv.Violations,
                ["firstViolation"] = inv.FirstViolation,
            });
        var faults = new JsonObject();
        foreach (var (name, value) in sim.Faults.All()) faults[name] = value;
        var report = new JsonObject
        {
            ["scenario"] = s.Name,
            ["seed"] = s.Seed,
            ["hosts"] = sim.Hosts,
            ["protocol"] = sim.Binding.Name,
            ["virtualSeconds"] = Math.Round(sim.Now.Seconds, 6),
            ["wallSeconds"] = Math.Round(sim.WallSeconds, 3),
            ["events"] = sim.EventsProcessed,
            ["eventsPerWallSecond"] = Math.Round(sim.EventsProcessed / Math.Max(1e-9, sim.WallSeconds)),
            ["messages"] = sim.MessagesSent,
            ["bytes"] = sim.BytesSent,
            ["traceDigest"] = sim.Digest.ToString("x16", CultureInfo.InvariantCulture),
            ["peakWorkingSetBytes"] = Process.GetCurrentProcess().PeakWorkingSet64,
            ["invariants"] = invariants,
            ["faults"] = faults,
            ["membership"] = null,
            ["storage"] = null,
        };
        foreach (var (section, write) in sim.Binding.Sections)
        {
            var obj = new JsonObject();
            write(obj);
            // JSON has no infinity or NaN: a ratio over nothing is reported as null, never as a made-up number.
            foreach (var key in obj.Where(kv => kv.Value is JsonValue v && v.TryGetValue(out double d) && !double.IsFinite(d)).Select(kv => kv.Key).ToList())
                obj[key] = null;
            report[section] = obj;
        }
        return report;
    }

    public static bool AllHeld(Simulator sim) => sim.Invariants.All(i => i.Held);

    public static void WriteJson(JsonObject report, string path) =>
        File.WriteAllText(path, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}
