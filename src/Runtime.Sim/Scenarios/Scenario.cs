using VinzVault.Protocol.Core;

namespace VinzVault.Runtime.Sim.Scenarios;

/// <summary>
/// A simulated datacenter run: what to build, what to break, for how long, from which seed.
/// Loaded from <c>sim-scenarios/*.json</c> by <see cref="ScenarioLoader"/>; every field has a default.
/// </summary>
public sealed record Scenario
{
    public string Name { get; init; } = "unnamed";
    public ulong Seed { get; init; } = 1;
    public Micros Duration { get; init; } = Micros.FromSeconds(60);
    /// <summary>Virtual time between metric samples (chart resolution).</summary>
    public Micros SampleInterval { get; init; } = Micros.FromSeconds(1);
    public TopologySpec Topology { get; init; } = new();
    public NetworkSpec Network { get; init; } = new();
    public DiskSpec Disk { get; init; } = new();
    public IReadOnlyList<FaultSpec> Faults { get; init; } = [];
    public ChurnSpec? Churn { get; init; }
    public ProtocolSpec Protocol { get; init; } = new();
}

/// <summary>Datacenters, racks and hosts. Hosts are spread round-robin over datacenters, then filled rack by rack.</summary>
public sealed record TopologySpec
{
    public int Hosts { get; init; } = 16;
    public int Datacenters { get; init; } = 1;
    public int HostsPerRack { get; init; } = 16;
}

/// <summary>Link model. Latencies are one-way means per link class; jitter is a fraction of the mean.</summary>
public sealed record NetworkSpec
{
    public Micros SameRack { get; init; } = new(100);
    public Micros SameDatacenter { get; init; } = new(250);
    public Micros CrossDatacenter { get; init; } = Micros.FromMillis(20);
    public double Jitter { get; init; } = 0.1;
    /// <summary>Probability that a message is dropped.</summary>
    public double Loss { get; init; }
    /// <summary>Probability that a message is delivered twice.</summary>
    public double Duplicate { get; init; }
    /// <summary>Probability that a message is held back by up to <see cref="ReorderDelay"/> extra, overtaking later ones.</summary>
    public double Reorder { get; init; }
    public Micros ReorderDelay { get; init; } = Micros.FromMillis(5);
}

/// <summary>In-memory disk model of each host.</summary>
public sealed record DiskSpec
{
    public Micros ReadLatency { get; init; } = new(100);
    public Micros WriteLatency { get; init; } = new(50);
    public Micros SyncLatency { get; init; } = Micros.FromMillis(1);
    /// <summary>Probability that an operation completes with an I/O error.</summary>
    public double FailRate { get; init; }
    /// <summary>Probability that an operation takes ten times its latency (a slow disk moment).</summary>
    public double DelayRate { get; init; }
    /// <summary>On a crash, probability that each unsynced write is lost entirely.</summary>
    public double LoseUnsyncedOnCrash { get; init; } = 1.0;
    /// <summary>On a crash, probability that an unsynced write that is kept is torn (only a prefix persists).</summary>
    public double TearOnCrash { get; init; }
}

public enum FaultKind { Crash, Loss, Partition }
/// <summary>What a fault hits: one random rack, one random datacenter, or random hosts (Count or Fraction of them).</summary>
public enum FaultScope { Rack, Datacenter, Random }

/// <summary>
/// One scheduled fault on the hosts its <see cref="Scope"/> picks. Crash: they crash and restart after
/// <see cref="Duration"/> (never, when null). Loss: they are lost for good (disk gone). Partition: they are cut off
/// for <see cref="Duration"/>; one-way drops only traffic leaving the set.
/// </summary>
public sealed record FaultSpec
{
    public FaultKind Kind { get; init; }
    public Micros At { get; init; }
    public Micros? Duration { get; init; }
    /// <summary>Hosts affected by crash/loss; for a random partition, the size of the cut-off set.</summary>
    public int Count { get; init; } = 1;
    /// <summary>Alternative to Count: a fraction of the hosts (0..1). Wins over Count when set.</summary>
    public double? Fraction { get; init; }
    /// <summary>Null: a partition cuts off a rack, a crash or loss hits <see cref="Count"/> random hosts.</summary>
    public FaultScope? Scope { get; init; }
    /// <summary>With scope datacenter: which one (null: a random one).</summary>
    public int? Datacenter { get; init; }
    public FaultScope EffectiveScope() => Scope ?? (Kind == FaultKind.Partition ? FaultScope.Rack : FaultScope.Random);
    public bool OneWay { get; init; }
}

public enum SessionDistribution { Exponential, Pareto }

/// <summary>Host churn: each host stays for a session drawn from the distribution, leaves (crash), and comes back after an offline time.</summary>
public sealed record ChurnSpec
{
    public SessionDistribution Distribution { get; init; } = SessionDistribution.Exponential;
    public Micros MeanSession { get; init; } = Micros.FromSeconds(174 * 60);
    /// <summary>Pareto shape; 1 &lt; alpha, smaller is heavier-tailed.</summary>
    public double Alpha { get; init; } = 2.0;
    public Micros MeanOffline { get; init; } = Micros.FromSeconds(174 * 60);
    /// <summary>Churn stops here (the liveness phase follows); null means it runs to the end.</summary>
    public Micros? StopAt { get; init; }
}

/// <summary>Which protocol the hosts run and its options.</summary>
public sealed record ProtocolSpec
{
    public string Kind { get; init; } = "ping";
    public Micros PingPeriod { get; init; } = Micros.FromSeconds(1);
    /// <summary>Options of <c>kind: "d1ht"</c>.</summary>
    public D1htSpec D1ht { get; init; } = new();
    /// <summary>Options of <c>kind: "storage"</c>.</summary>
    public Storage.StorageSpec Storage { get; init; } = new();
}

/// <summary>D1HT membership options of a scenario; unset protocol options keep <c>D1htOptions</c>' defaults.</summary>
public sealed record D1htSpec
{
    /// <summary>Fixed Theta; null lets Theta self-tune.</summary>
    public Micros? Theta { get; init; }
    public Micros? MinTheta { get; init; }
    public Micros? MaxTheta { get; init; }
    public Micros? Quarantine { get; init; }
    public Micros? ProbeTimeout { get; init; }
    /// <summary>Mean one-way delay d for Theta tuning; null takes the network's same-datacenter latency.</summary>
    public Micros? MeanDelay { get; init; }
    public double? TargetStaleFraction { get; init; }
    public int AntiEntropyThetas { get; init; } = Protocol.Membership.D1htOptions.Default.AntiEntropyThetas;
    /// <summary>"edra" or "perEvent" (the 1h-Calot-style baseline).</summary>
    public string Mode { get; init; } = "edra";
    /// <summary>Start from a formed ring (every host a member at time zero) so large runs measure steady state.</summary>
    public bool FormedRing { get; init; } = true;
    /// <summary>Fraction of hosts (the highest-numbered) that are outside the ring at first and join during the flood.</summary>
    public double JoinFlood { get; init; }
    public Micros JoinFloodAt { get; init; } = Micros.FromSeconds(60);
    /// <summary>The flood's joins are spread uniformly over this span.</summary>
    public Micros JoinFloodSpan { get; init; } = Micros.FromSeconds(60);
    /// <summary>Random lookups per virtual second over the whole system (the routing workload).</summary>
    public double LookupsPerSecond { get; init; } = 100;
    /// <summary>
    /// Traffic, lookups, event rate, acknowledgement times and samples count from this time on, so a run that starts
    /// with nothing in flight measures steady state (EDRA takes about rho Theta / 2 to fill its pipeline).
    /// </summary>
    public Micros Warmup { get; init; }
}
