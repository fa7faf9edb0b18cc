using System.Text.Json;
using VinzVault.Protocol.Core;

namespace VinzVault.Runtime.Sim.Scenarios;

/// <summary>
/// Reads a <see cref="Scenario"/> from JSON by walking the document by hand: field names are the camelCase
/// property names, durations are strings with units (<see cref="Units"/>), every field has a default, and any
/// typo, wrong type or out-of-range value is a one-line error naming the path, e.g.
/// <c>scenario.network.lsos: unknown field; did you mean 'loss'?</c>.
/// </summary>
public static partial class ScenarioLoader
{
    // Scenario files are written by hand: comments and trailing commas are fine, a key given twice is not.
    private static readonly JsonDocumentOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
    };

    public static ScenarioResult LoadFile(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return ScenarioResult.Failed($"{path}: scenario file not found (looked for {Path.GetFullPath(path)})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return ScenarioResult.Failed($"{path}: cannot read the scenario file: {e.Message}");
        }
        return Parse(json, path);
    }

    /// <summary>Parses scenario JSON; <paramref name="sourceName"/> (usually the file name) starts every error message.</summary>
    public static ScenarioResult Parse(string json, string sourceName)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (JsonException e)
        {
            // The message ends with its own "LineNumber: 0 | BytePositionInLine: 5." in zero-based numbers; ours are one-based.
            string reason = e.Message;
            int at = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (at >= 0) reason = reason[..at];
            // A duplicate key is reported without a position.
            string where = e.LineNumber is long line ? $" at line {line + 1}, position {e.BytePositionInLine + 1}" : "";
            return ScenarioResult.Failed($"{sourceName}: invalid JSON{where}: {reason}");
        }
        using (document)
        {
            var scenario = JsonSection.ReadRoot(document.RootElement, "scenario", new Scenario(), ReadScenario, out string? error);
            error ??= Validate(scenario);
            return error is null ? ScenarioResult.Loaded(scenario) : ScenarioResult.Failed($"{sourceName}: {error}");
        }
    }

    /// <summary>
    /// Command-line overrides on a loaded scenario. A shorter duration drops the faults scheduled after it and
    /// clamps the churn stop and the sample interval; the result is validated like a loaded file.
    /// </summary>
    public static ScenarioResult ApplyOverrides(Scenario s, ulong? seed, int? hosts, Micros? duration)
    {
        if (hosts < 1) return ScenarioResult.Failed($"hosts override: must be at least 1, found {hosts}");
        if (duration <= Micros.Zero) return ScenarioResult.Failed($"duration override: must be longer than zero, found {Units.FormatDuration(duration.Value)}");
        var end = duration ?? s.Duration;
        var result = s with
        {
            Seed = seed ?? s.Seed,
            Duration = end,
            SampleInterval = Micros.Min(s.SampleInterval, end),
            Topology = hosts is int h ? s.Topology with { Hosts = h } : s.Topology,
            Faults = [.. s.Faults.Where(f => f.At <= end)],
            Churn = s.Churn is { StopAt: { } stop } churn && stop > end ? churn with { StopAt = end } : s.Churn,
        };
        string? error = Validate(result);
        return error is null ? ScenarioResult.Loaded(result) : ScenarioResult.Failed($"after overrides: {error}");
    }

    private static Scenario ReadScenario(JsonSection s)
    {
        var d = new Scenario();
        return new Scenario
        {
            Name = s.String("name", d.Name),
            Seed = s.UInt64("seed", d.Seed),
            Duration = s.Duration("duration", d.Duration, positive: true),
            SampleInterval = s.Duration("sampleInterval", d.SampleInterval, positive: true),
            Topology = s.Object("topology", d.Topology, ReadTopology),
            Network = s.Object("network", d.Network, ReadNetwork),
            Disk = s.Object("disk", d.Disk, ReadDisk),
            Faults = s.Array("faults", d.Faults, ReadFault),
            Churn = s.OptionalObject("churn", d.Churn, ReadChurn),
            Protocol = s.Object("protocol", d.Protocol, ReadProtocol),
        };
    }

    private static TopologySpec ReadTopology(JsonSection s)
    {
        var d = new TopologySpec();
        return new TopologySpec
        {
            Hosts = s.Int("hosts", d.Hosts, min: 1),
            Datacenters = s.Int("datacenters", d.Datacenters, min: 1),
            HostsPerRack = s.Int("hostsPerRack", d.HostsPerRack, min: 1),
        };
    }

    private static NetworkSpec ReadNetwork(JsonSection s)
    {
        var d = new NetworkSpec();
        return new NetworkSpec
        {
            SameRack = s.Duration("sameRack", d.SameRack, positive: false),
            SameDatacenter = s.Duration("sameDatacenter", d.SameDatacenter, positive: false),
            CrossDatacenter = s.Duration("crossDatacenter", d.CrossDatacenter, positive: false),
            Jitter = s.Double("jitter", d.Jitter, 0, 1),
            Loss = s.Double("loss", d.Loss, 0, 1),
            Duplicate = s.Double("duplicate", d.Duplicate, 0, 1),
            Reorder = s.Double("reorder", d.Reorder, 0, 1),
            ReorderDelay = s.Duration("reorderDelay", d.ReorderDelay, positive: false),
        };
    }

    private static DiskSpec ReadDisk(JsonSection s)
    {
        var d = new DiskSpec();
        return new DiskSpec
        {
            ReadLatency = s.Duration("readLatency", d.ReadLatency, positive: false),
            WriteLatency = s.Duration("writeLatency", d.WriteLatency, positive: false),
            SyncLatency = s.Duration("syncLatency", d.SyncLatency, positive: false),
            FailRate = s.Double("failRate", d.FailRate, 0, 1),
            DelayRate = s.Double("delayRate", d.DelayRate, 0, 1),
            LoseUnsyncedOnCrash = s.Double("loseUnsyncedOnCrash", d.LoseUnsyncedOnCrash, 0, 1),
            TearOnCrash = s.Double("tearOnCrash", d.TearOnCrash, 0, 1),
        };
    }

    private static FaultSpec ReadFault(JsonSection s)
    {
        var d = new FaultSpec();
        return new FaultSpec
        {
            Kind = s.Enum("kind", d.Kind),
            At = s.Duration("at", d.At, positive: false),
            Duration = s.OptionalDuration("duration", d.Duration, positive: true),
            Count = s.Int("count", d.Count, min: 1),
            Fraction = s.OptionalDouble("fraction", d.Fraction, 0, 1),
            Scope = s.OptionalEnum<FaultScope>("scope"),
            Datacenter = s.OptionalInt("datacenter", min: 0),
            OneWay = s.Bool("oneWay", d.OneWay),
        };
    }

    private static ChurnSpec ReadChurn(JsonSection s)
    {
        var d = new ChurnSpec();
        var churn = new ChurnSpec
        {
            Distribution = s.Enum("distribution", d.Distribution),
            MeanSession = s.Duration("meanSession", d.MeanSession, positive: true),
            Alpha = s.Double("alpha", d.Alpha, 0, double.PositiveInfinity),
            MeanOffline = s.Duration("meanOffline", d.MeanOffline, positive: true),
            StopAt = s.OptionalDuration("stopAt", d.StopAt, positive: false),
        };
        // A Pareto law with alpha <= 1 has no finite mean, so meanSession could not be honoured.
        if (churn.Distribution == SessionDistribution.Pareto && churn.Alpha <= 1)
            s.Fail("alpha", $"a pareto alpha must be greater than 1 (its mean is infinite otherwise), found {churn.Alpha}");
        return churn;
    }

    /// <summary>Checks that span several fields: the first error with its path, or null.</summary>
    private static string? Validate(Scenario s)
    {
        var hosts = s.Topology.Hosts;
        if (s.Topology.Datacenters > hosts)
            return $"scenario.topology.datacenters: {s.Topology.Datacenters} datacenters need at least as many hosts, found {hosts}";
        if (s.SampleInterval > s.Duration)
            return $"scenario.sampleInterval: {Units.FormatDuration(s.SampleInterval)} is longer than the duration {Units.FormatDuration(s.Duration)}";
        for (int i = 0; i < s.Faults.Count; i++)
        {
            var f = s.Faults[i];
            if (f.At > s.Duration)
                return $"scenario.faults[{i}].at: {Units.FormatDuration(f.At)} is beyond the duration {Units.FormatDuration(s.Duration)}";
            if (f.Fraction is null && f.Count > hosts)
                return $"scenario.faults[{i}].count: {f.Count} hosts, but the topology has only {hosts}";
        }
        if (s.Churn?.StopAt > s.Duration)
            return $"scenario.churn.stopAt: {Units.FormatDuration(s.Churn.StopAt.Value)} is beyond the duration {Units.FormatDuration(s.Duration)}";
        return null;
    }
}
