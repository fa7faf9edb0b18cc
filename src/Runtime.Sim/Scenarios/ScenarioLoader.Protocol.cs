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
        ("storage", static (s, p) => p with { Storage = ReadStorage(s, p.Storage) }),
        ("host", static (s, p) => p with { D1ht = ReadD1ht(s, p.D1ht), Storage = ReadStorage(s, p.Storage) }),
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
        Warmup = s.Duration("warmup", d.Warmup, positive: false),
    };

    private static ProtocolSpec ReadProtocol(JsonSection s)
    {
        var d = new ProtocolSpec();
        string kind = s.Choice("kind", d.Kind, [.. ProtocolKinds.Select(k => k.Kind)]);
        var entry = Array.Find(ProtocolKinds, k => k.Kind == kind);
        return entry.ReadOptions is null ? d : entry.ReadOptions(s, d with { Kind = kind });
    }

    private static Storage.StorageSpec ReadStorage(JsonSection s, Storage.StorageSpec d) => new()
    {
        Volumes = s.Int("volumes", d.Volumes, 1, 1_000_000),
        VolumeBlocks = s.Int("volumeBlocks", d.VolumeBlocks, 1),
        BlockSize = s.Int("blockSize", d.BlockSize, 512, 1 << 20),
        ChunkBlocks = s.Int("chunkBlocks", d.ChunkBlocks, 1),
        Replicas = s.Int("replicas", d.Replicas, 1, 15),
        Placement = s.String("placement", d.Placement),
        AsyncDatacenters = s.String("asyncDatacenters", d.AsyncDatacenters),
        ReadFraction = s.Double("readFraction", d.ReadFraction, 0, 1),
        IopsPerVolume = s.Double("iopsPerVolume", d.IopsPerVolume, 0, 1e6),
        QueueDepth = s.Int("queueDepth", d.QueueDepth, 1, 1024),
        Migrations = s.Int("migrations", d.Migrations, 0),
        MigrateAt = s.Duration("migrateAt", d.MigrateAt, positive: false),
        Takeovers = s.Int("takeovers", d.Takeovers, 0),
        TakeoverAt = s.Duration("takeoverAt", d.TakeoverAt, positive: false),
        ZombieOwner = s.Bool("zombieOwner", d.ZombieOwner),
        FailoverDelay = s.Duration("failoverDelay", d.FailoverDelay, positive: true),
        IoStopAt = s.OptionalDuration("ioStopAt", d.IoStopAt, positive: true),
        MetadataOpsPerSecond = s.Double("metadataOpsPerSecond", d.MetadataOpsPerSecond, 0, 10_000),
    };
}
