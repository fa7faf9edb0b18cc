namespace VinzVault.Runtime.Sim.Scenarios;

/// <summary>The <c>protocol</c> section: its <c>kind</c> picks which options are read.</summary>
public static partial class ScenarioLoader
{
    /// <summary>
    /// Each protocol kind with the reader of its options. To add a protocol, give <see cref="ProtocolSpec"/> its
    /// options and add one entry here; an option of another kind is then refused as an unknown field.
    /// </summary>
    private static readonly (string Kind, Func<JsonSection, ProtocolSpec, ProtocolSpec> ReadOptions)[] ProtocolKinds =
    [
        ("ping", static (s, p) => p with { PingPeriod = s.Duration("pingPeriod", p.PingPeriod, positive: true) }),
        ("d1ht", static (s, p) => p with { D1ht = ReadD1ht(s, p.D1ht) }),
    ];

    private static D1htSpec ReadD1ht(JsonSection s, D1htSpec d) => new()
    {
        Theta = s.OptionalDuration("theta", d.Theta, positive: true),
        MinTheta = s.OptionalDuration("minTheta", d.MinTheta, positive: true),
        MaxTheta = s.OptionalDuration("maxTheta", d.MaxTheta, positive: true),
        Quarantine = s.OptionalDuration("quarantine", d.Quarantine, positive: false),
        ProbeTimeout = s.OptionalDuration("probeTimeout", d.ProbeTimeout, positive: true),
        MeanDelay = s.OptionalDuration("meanDelay", d.MeanDelay, positive: false),
        TargetStaleFraction = s.OptionalDouble("targetStaleFraction", d.TargetStaleFraction, 0, 1),
        AntiEntropyThetas = s.Int("antiEntropyThetas", d.AntiEntropyThetas, min: 0),
        Mode = s.Choice("mode", d.Mode, ["edra", "perEvent"]),
        FormedRing = s.Bool("formedRing", d.FormedRing),
        JoinFlood = s.Double("joinFlood", d.JoinFlood, 0, 1),
        JoinFloodAt = s.Duration("joinFloodAt", d.JoinFloodAt, positive: false),
        JoinFloodSpan = s.Duration("joinFloodSpan", d.JoinFloodSpan, positive: false),
        LookupsPerSecond = s.Double("lookupsPerSecond", d.LookupsPerSecond, 0, 1e7),
    };

    private static ProtocolSpec ReadProtocol(JsonSection s)
    {
        var d = new ProtocolSpec();
        string kind = s.Choice("kind", d.Kind, [.. ProtocolKinds.Select(k => k.Kind)]);
        var entry = Array.Find(ProtocolKinds, k => k.Kind == kind);
        return entry.ReadOptions is null ? d : entry.ReadOptions(s, d with { Kind = kind });
    }
}
