using VinzVault.Protocol.Core;
using VinzVault.Runtime.Sim.Scenarios;

namespace VinzVault.Runtime.Sim.Tests.Scenarios;

public sealed class ScenarioLoaderTests
{
    /// <summary>Every field set to a value other than its default, so a field the loader skipped shows up.</summary>
    private const string FullJson = """
        {
          // comments are allowed in hand-written scenarios
          "name": "full",
          "seed": "18446744073709551615",
          "duration": "2h",
          "sampleInterval": "500ms",
          "topology": { "hosts": 48, "datacenters": 3, "hostsPerRack": 8 },
          "network": {
            "sameRack": "50us", "sameDatacenter": "300us", "crossDatacenter": "35ms", "jitter": 0.2,
            "loss": 0.01, "duplicate": 0.002, "reorder": 0.03, "reorderDelay": "7ms"
          },
          "disk": {
            "readLatency": "80us", "writeLatency": "60us", "syncLatency": "2ms", "failRate": 0.001,
            "delayRate": 0.05, "loseUnsyncedOnCrash": 0.5, "tearOnCrash": 0.25
          },
          "faults": [
            { "kind": "partition", "at": "10m", "duration": "90s", "count": 5, "fraction": 0.25, "scope": "random", "datacenter": 2, "oneWay": true },
            { "kind": "loss", "at": "1.5h" },
          ],
          "churn": { "distribution": "pareto", "meanSession": "30m", "alpha": 1.5, "meanOffline": "10m", "stopAt": "1h" },
          "protocol": { "kind": "ping", "pingPeriod": "250ms" }
        }
        """;

    private static readonly Scenario Full = new()
    {
        Name = "full",
        Seed = ulong.MaxValue,
        Duration = Micros.FromSeconds(7200),
        SampleInterval = Micros.FromMillis(500),
        Topology = new() { Hosts = 48, Datacenters = 3, HostsPerRack = 8 },
        Network = new()
        {
            SameRack = new(50),
            SameDatacenter = new(300),
            CrossDatacenter = Micros.FromMillis(35),
            Jitter = 0.2,
            Loss = 0.01,
            Duplicate = 0.002,
            Reorder = 0.03,
            ReorderDelay = Micros.FromMillis(7),
        },
        Disk = new()
        {
            ReadLatency = new(80),
            WriteLatency = new(60),
            SyncLatency = Micros.FromMillis(2),
            FailRate = 0.001,
            DelayRate = 0.05,
            LoseUnsyncedOnCrash = 0.5,
            TearOnCrash = 0.25,
        },
        Faults =
        [
            new() { Kind = FaultKind.Partition, At = Micros.FromSeconds(600), Duration = Micros.FromSeconds(90), Count = 5, Fraction = 0.25, Scope = FaultScope.Random, Datacenter = 2, OneWay = true },
            new() { Kind = FaultKind.Loss, At = Micros.FromSeconds(5400) },
        ],
        Churn = new()
        {
            Distribution = SessionDistribution.Pareto,
            MeanSession = Micros.FromSeconds(1800),
            Alpha = 1.5,
            MeanOffline = Micros.FromSeconds(600),
            StopAt = Micros.FromSeconds(3600),
        },
        Protocol = new() { Kind = "ping", PingPeriod = Micros.FromMillis(250) },
    };

    private static Scenario Load(string json)
    {
        var result = ScenarioLoader.Parse(json, "test.json");
        Assert.True(result.Ok, result.Error);
        return result.Scenario!;
    }

    private static string LoadError(string json)
    {
        var result = ScenarioLoader.Parse(json, "test.json");
        Assert.False(result.Ok);
        Assert.NotNull(result.Error);
        Assert.DoesNotContain('\n', result.Error);
        return result.Error;
    }

    /// <summary>Records compare lists by reference, so the faults are compared element by element.</summary>
    private static void AssertSame(Scenario expected, Scenario actual)
    {
        Assert.Equal(expected.Faults, actual.Faults);
        Assert.Equal(expected with { Faults = [] }, actual with { Faults = [] });
    }

    [Fact]
    public void EveryFieldOfAFullScenarioIsRead() => AssertSame(Full, Load(FullJson));

    [Fact]
    public void TheFullScenarioSetsEveryPropertyAwayFromItsDefault()
    {
        AssertAllDiffer(new Scenario(), Full);
        AssertAllDiffer(new TopologySpec(), Full.Topology);
        AssertAllDiffer(new NetworkSpec(), Full.Network);
        AssertAllDiffer(new DiskSpec(), Full.Disk);
        AssertAllDiffer(new FaultSpec(), Full.Faults[0]);
        AssertAllDiffer(new ChurnSpec(), Full.Churn!);
        // The full scenario runs "ping"; the d1ht options come from their own full section.
        AssertAllDiffer(new ProtocolSpec(), Full.Protocol with { Kind = "other", D1ht = FullD1ht, Storage = FullStorage });
        AssertAllDiffer(new VinzVault.Runtime.Sim.Storage.StorageSpec(), FullStorage);
        AssertAllDiffer(new D1htSpec(), FullD1ht);
    }

    private static readonly D1htSpec FullD1ht = Load("""
        { "protocol": { "kind": "d1ht", "theta": "3s", "minTheta": "2s", "maxTheta": "20s", "quarantine": "5m",
          "probeTimeout": "300ms", "meanDelay": "10ms", "targetStaleFraction": 0.02, "antiEntropyThetas": 3,
          "mode": "perEvent", "formedRing": false, "joinFlood": 0.1, "joinFloodAt": "2m", "joinFloodSpan": "30s",
          "lookupsPerSecond": 7, "warmup": "3m" } }
        """).Protocol.D1ht;

    [Fact]
    public void EveryD1htOptionIsRead() => Assert.Equal(
        new D1htSpec
        {
            Theta = Micros.FromSeconds(3),
            MinTheta = Micros.FromSeconds(2),
            MaxTheta = Micros.FromSeconds(20),
            Quarantine = Micros.FromSeconds(300),
            ProbeTimeout = Micros.FromMillis(300),
            MeanDelay = Micros.FromMillis(10),
            TargetStaleFraction = 0.02,
            AntiEntropyThetas = 3,
            Mode = "perEvent",
            FormedRing = false,
            JoinFlood = 0.1,
            Warmup = Micros.FromSeconds(180),
            JoinFloodAt = Micros.FromSeconds(120),
            JoinFloodSpan = Micros.FromSeconds(30),
            LookupsPerSecond = 7,
        },
        FullD1ht);

    private static readonly VinzVault.Runtime.Sim.Storage.StorageSpec FullStorage = Load("""
        { "protocol": { "kind": "storage", "volumes": 3, "volumeBlocks": 100, "blockSize": 512, "chunkBlocks": 4, "replicas": 5,
          "placement": "2,1", "asyncDatacenters": "1", "readFraction": 0.25, "iopsPerVolume": 7, "queueDepth": 2,
          "migrations": 1, "migrateAt": "3s", "takeovers": 2, "takeoverAt": "4s", "zombieOwner": false,
          "failoverDelay": "5s", "ioStopAt": "6s", "metadataOpsPerSecond": 3 } }
        """).Protocol.Storage;

    private static void AssertAllDiffer<T>(T defaults, T full)
    {
        foreach (var p in typeof(T).GetProperties().Where(p => p.GetIndexParameters().Length == 0 && p.DeclaringType == typeof(T)))
            Assert.False(Equals(p.GetValue(defaults), p.GetValue(full)), $"{typeof(T).Name}.{p.Name} keeps its default in the full scenario");
    }

    [Fact]
    public void AnEmptyObjectGivesTheDefaults() => AssertSame(new Scenario(), Load("{}"));

    [Fact]
    public void ASeedCanBeANumber() => Assert.Equal(42UL, Load("""{ "seed": 42 }""").Seed);

    [Fact]
    public void AChurnOfNullMeansNoChurn() => Assert.Null(Load("""{ "churn": null }""").Churn);

    [Theory]
    [InlineData("""{ "network": { "lsos": 0.1 } }""", "test.json: scenario.network.lsos: unknown field; did you mean 'loss'?")]
    [InlineData("""{ "topology": { "hostPerRack": 4 } }""", "scenario.topology.hostPerRack: unknown field; did you mean 'hostsPerRack'?")]
    [InlineData("""{ "faults": [ { "kind": "crash" }, { "kidn": "crash" } ] }""", "scenario.faults[1].kidn: unknown field; did you mean 'kind'?")]
    [InlineData("""{ "durration": "5s" }""", "scenario.durration: unknown field; did you mean 'duration'?")]
    [InlineData("""{ "protocol": { "pingPeriod": "1s", "fanout": 3 } }""", "scenario.protocol.fanout: unknown field; known fields here are kind, pingPeriod")]
    [InlineData("""{ "faults": [ { "kind": "crsh" } ] }""", "scenario.faults[0].kind: unknown value \"crsh\"; did you mean 'crash'? expected one of crash, loss, partition")]
    [InlineData("""{ "protocol": { "kind": "pnig" } }""", "scenario.protocol.kind: unknown value \"pnig\"; did you mean 'ping'?")]
    [InlineData("""{ "churn": { "distribution": "normal" } }""", "scenario.churn.distribution: unknown value \"normal\"; expected one of exponential, pareto")]
    public void ATypoNamesItsPathAndTheClosestKnownName(string json, string expected) =>
        Assert.Contains(expected, LoadError(json), StringComparison.Ordinal);

    [Theory]
    [InlineData("""{ "topology": { "hosts": "16" } }""", "scenario.topology.hosts: expected an integer, found string \"16\"")]
    [InlineData("""{ "topology": { "hosts": 1.5 } }""", "scenario.topology.hosts: expected an integer, found number 1.5")]
    [InlineData("""{ "duration": 90 }""", "scenario.duration: expected a duration string, found number 90; write it with a unit, e.g. \"90s\"")]
    [InlineData("""{ "network": { "loss": "1%" } }""", "scenario.network.loss: expected a number, found string \"1%\"")]
    [InlineData("""{ "faults": { "kind": "crash" } }""", "scenario.faults: expected an array, found an object")]
    [InlineData("""{ "faults": [ 3 ] }""", "scenario.faults[0]: expected an object, found number 3")]
    [InlineData("""{ "faults": [ { "oneWay": 1 } ] }""", "scenario.faults[0].oneWay: expected true or false, found number 1")]
    [InlineData("""{ "disk": [] }""", "scenario.disk: expected an object, found an array")]
    [InlineData("""{ "seed": -1 }""", "scenario.seed: expected a non-negative integer or a string of digits, found number -1")]
    [InlineData("""{ "seed": "0x10" }""", "scenario.seed: expected a non-negative integer or a string of digits, found string \"0x10\"")]
    [InlineData("""{ "name": null }""", "scenario.name: expected a string, found null")]
    [InlineData("""[]""", "test.json: scenario: expected an object, found an array")]
    public void AWrongTypeNamesThePathWhatWasExpectedAndWhatWasFound(string json, string expected) =>
        Assert.Contains(expected, LoadError(json), StringComparison.Ordinal);

    [Theory]
    [InlineData("""{ "topology": { "hosts": -3 } }""", "scenario.topology.hosts: must be at least 1, found -3")]
    [InlineData("""{ "topology": { "hosts": 0 } }""", "scenario.topology.hosts: must be at least 1, found 0")]
    [InlineData("""{ "topology": { "hostsPerRack": 0 } }""", "scenario.topology.hostsPerRack: must be at least 1, found 0")]
    [InlineData("""{ "topology": { "hosts": 2, "datacenters": 3 } }""", "scenario.topology.datacenters: 3 datacenters need at least as many hosts, found 2")]
    [InlineData("""{ "network": { "loss": 1.5 } }""", "scenario.network.loss: must be between 0 and 1, found 1.5")]
    [InlineData("""{ "disk": { "failRate": -0.1 } }""", "scenario.disk.failRate: must be between 0 and 1, found -0.1")]
    [InlineData("""{ "churn": { "distribution": "pareto", "alpha": 1 } }""", "scenario.churn.alpha: a pareto alpha must be greater than 1")]
    [InlineData("""{ "duration": "1m", "faults": [ { "at": "2m" } ] }""", "scenario.faults[0].at: 2m is beyond the duration 1m")]
    [InlineData("""{ "faults": [ { "fraction": 2 } ] }""", "scenario.faults[0].fraction: must be between 0 and 1, found 2")]
    [InlineData("""{ "faults": [ { "count": 17 } ] }""", "scenario.faults[0].count: 17 hosts, but the topology has only 16")]
    [InlineData("""{ "faults": [ { "duration": "0s" } ] }""", "scenario.faults[0].duration: must be longer than zero")]
    [InlineData("""{ "duration": "0s" }""", "scenario.duration: must be longer than zero")]
    [InlineData("""{ "duration": "-5s" }""", "scenario.duration: '-5s': a duration cannot be negative")]
    [InlineData("""{ "duration": "10s", "sampleInterval": "1m" }""", "scenario.sampleInterval: 1m is longer than the duration 10s")]
    [InlineData("""{ "duration": "1m", "churn": { "stopAt": "2m" } }""", "scenario.churn.stopAt: 2m is beyond the duration 1m")]
    [InlineData("""{ "protocol": { "pingPeriod": "5x" } }""", "scenario.protocol.pingPeriod: '5x': unknown unit 'x'")]
    public void AnOutOfRangeValueNamesThePathAndTheRange(string json, string expected) =>
        Assert.Contains(expected, LoadError(json), StringComparison.Ordinal);

    [Theory]
    [InlineData("{\n  \"seed\": 1,\n  \"name\": x\n}", "test.json: invalid JSON at line 3, position 11:")]
    [InlineData("{ \"seed\": 1", "test.json: invalid JSON at line 1,")]
    [InlineData("", "test.json: invalid JSON at line 1, position 1:")]
    public void InvalidJsonGivesTheLineAndPosition(string json, string expected) =>
        Assert.StartsWith(expected, LoadError(json), StringComparison.Ordinal);

    [Fact]
    public void AKeyGivenTwiceIsAnError() =>
        Assert.StartsWith("test.json: invalid JSON: ", LoadError("{ \"seed\": 1, \"seed\": 2 }"), StringComparison.Ordinal);

    [Fact]
    public void AMissingFileSaysSo()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vinzvault-missing-{Environment.ProcessId}", "nope.json");
        var result = ScenarioLoader.LoadFile(path);
        Assert.False(result.Ok);
        Assert.Equal($"{path}: scenario file not found (looked for {path})", result.Error);
    }

    [Fact]
    public void AFileOnDiskLoadsLikeItsText()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vinzvault-scenario-{Environment.ProcessId}.json");
        File.WriteAllText(path, FullJson);
        try
        {
            var result = ScenarioLoader.LoadFile(path);
            Assert.True(result.Ok, result.Error);
            AssertSame(Full, result.Scenario!);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static TheoryData<string> ShippedScenarios()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "VinzVault.sln"))) dir = dir.Parent;
        return [.. Directory.GetFiles(Path.Combine(dir.FullName, "sim-scenarios"), "*.json")];
    }

    [Theory]
    [MemberData(nameof(ShippedScenarios))]
    public void EveryShippedScenarioLoads(string path)
    {
        var result = ScenarioLoader.LoadFile(path);
        Assert.True(result.Ok, result.Error);
    }

    [Fact]
    public void OverridesReplaceSeedHostsAndDuration()
    {
        var result = ScenarioLoader.ApplyOverrides(Full, seed: 7, hosts: 64, duration: Micros.FromSeconds(7000));
        Assert.True(result.Ok, result.Error);
        AssertSame(Full with { Seed = 7, Topology = Full.Topology with { Hosts = 64 }, Duration = Micros.FromSeconds(7000) }, result.Scenario!);
    }

    [Fact]
    public void NoOverridesChangeNothing()
    {
        var result = ScenarioLoader.ApplyOverrides(Full, null, null, null);
        Assert.True(result.Ok, result.Error);
        AssertSame(Full, result.Scenario!);
    }

    [Fact]
    public void AShorterDurationDropsLaterFaultsAndClampsTheChurnStop()
    {
        var result = ScenarioLoader.ApplyOverrides(Full, null, null, Micros.FromSeconds(1200));
        Assert.True(result.Ok, result.Error);
        var s = result.Scenario!;
        Assert.Equal([Full.Faults[0]], s.Faults);
        Assert.Equal(Micros.FromSeconds(1200), s.Churn!.StopAt);
    }

    [Fact]
    public void ADurationShorterThanTheSampleIntervalClampsIt()
    {
        var result = ScenarioLoader.ApplyOverrides(Full, null, null, new Micros(100));
        Assert.True(result.Ok, result.Error);
        Assert.Equal(new Micros(100), result.Scenario!.SampleInterval);
    }

    [Theory]
    [InlineData(0, 1_000_000L, "hosts override: must be at least 1, found 0")]
    [InlineData(null, 0L, "duration override: must be longer than zero, found 0s")]
    [InlineData(null, -5L, "duration override: must be longer than zero, found -5us")]
    [InlineData(2, null, "after overrides: scenario.topology.datacenters: 3 datacenters need at least as many hosts, found 2")]
    public void InvalidOverridesAreErrors(int? hosts, long? micros, string expected)
    {
        var result = ScenarioLoader.ApplyOverrides(Full, null, hosts, micros is long m ? new Micros(m) : null);
        Assert.False(result.Ok);
        Assert.Equal(expected, result.Error);
    }

    [Fact]
    public void FewerHostsThanAFaultCountIsAnError()
    {
        var s = Full with { Faults = [Full.Faults[0] with { Fraction = null }] };
        var result = ScenarioLoader.ApplyOverrides(s, null, hosts: 4, null);
        Assert.Equal("after overrides: scenario.faults[0].count: 5 hosts, but the topology has only 4", result.Error);
    }
}
