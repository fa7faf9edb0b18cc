using VinzVault.Protocol.Core;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Protocols;
using VinzVault.Runtime.Sim.Scenarios;

namespace VinzVault.Runtime.Sim.Tests.Engine;

public class FaultInjectionTests
{
    private static readonly Scenario Base = new()
    {
        Name = "faults",
        Seed = 3,
        Duration = Micros.FromSeconds(60),
        Topology = new TopologySpec { Hosts = 48, Datacenters = 2, HostsPerRack = 6 },
        Network = new NetworkSpec(),
        Protocol = new ProtocolSpec { Kind = "ping", PingPeriod = Micros.FromMillis(200) },
    };

    private static FaultCounters Run(Scenario s)
    {
        var sim = new Simulator(s, Bindings.Create(s.Protocol));
        sim.Run();
        Assert.All(sim.Invariants, i => Assert.True(i.Held, $"{i.Name}: {i.FirstViolation}"));
        return sim.Faults;
    }

    public static TheoryData<string> Kinds() =>
    [
        "messagesLost", "messagesDuplicated", "messagesReordered", "messagesPartitioned", "partitions", "heals",
        "crashes", "restarts", "permanentLosses", "churnLeaves", "churnJoins", "diskErrors", "diskDelays", "unsyncedWritesLost", "tornWrites",
    ];

    /// <summary>The scenario that asks for exactly one kind of fault (crash-based disk faults need crashes too).</summary>
    private static Scenario Asking(string kind) => kind switch
    {
        "messagesLost" => Base with { Network = new NetworkSpec { Loss = 0.05 } },
        "messagesDuplicated" => Base with { Network = new NetworkSpec { Duplicate = 0.05 } },
        "messagesReordered" => Base with { Network = new NetworkSpec { Reorder = 0.05 } },
        "messagesPartitioned" or "partitions" or "heals" => Base with { Faults = [new FaultSpec { Kind = FaultKind.Partition, At = Micros.FromSeconds(10), Duration = Micros.FromSeconds(10), Scope = FaultScope.Datacenter }] },
        "crashes" or "restarts" => Base with { Faults = [new FaultSpec { Kind = FaultKind.Crash, At = Micros.FromSeconds(10), Count = 5, Duration = Micros.FromSeconds(5) }] },
        "permanentLosses" => Base with { Faults = [new FaultSpec { Kind = FaultKind.Loss, At = Micros.FromSeconds(10), Count = 3 }] },
        "churnLeaves" or "churnJoins" => Base with { Churn = new ChurnSpec { MeanSession = Micros.FromSeconds(20), MeanOffline = Micros.FromSeconds(5) } },
        "diskErrors" => Base with { Disk = new DiskSpec { FailRate = 0.2 } },
        "diskDelays" => Base with { Disk = new DiskSpec { DelayRate = 0.2 } },
        // Writes stay unsynced for a long time, so crashes find some in flight.
        "unsyncedWritesLost" => Base with { Disk = new DiskSpec { SyncLatency = Micros.FromSeconds(5) }, Churn = new ChurnSpec { MeanSession = Micros.FromSeconds(3), MeanOffline = Micros.FromSeconds(1) } },
        "tornWrites" => Base with { Disk = new DiskSpec { SyncLatency = Micros.FromSeconds(5), LoseUnsyncedOnCrash = 0, TearOnCrash = 1 }, Churn = new ChurnSpec { MeanSession = Micros.FromSeconds(3), MeanOffline = Micros.FromSeconds(1) } },
        _ => throw new ArgumentException(kind),
    };

    private static long Count(FaultCounters c, string kind) => c.All().Single(f => f.Name == kind).Value;

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EachFaultKindHappensWhenAskedFor(string kind)
    {
        var s = Asking(kind);
        var sim = new Simulator(s, Bindings.Create(s.Protocol));
        sim.Run();
        Assert.True(Count(sim.Faults, kind) > 0, $"{kind} never happened");
    }

    /// <summary>A scoped crash takes down every host of one rack or of the named datacenter, and nothing else.</summary>
    [Theory]
    [InlineData(FaultScope.Rack, 6)]
    [InlineData(FaultScope.Datacenter, 24)]
    public void ScopedCrashHitsExactlyOneRackOrDatacenter(FaultScope scope, int expected)
    {
        var s = Base with { Faults = [new FaultSpec { Kind = FaultKind.Crash, At = Micros.FromSeconds(10), Scope = scope, Datacenter = 1 }] };
        var sim = new Simulator(s, Bindings.Create(s.Protocol));
        sim.Run();
        var down = Enumerable.Range(0, sim.Hosts).Where(h => !sim.IsUp(h)).ToList();
        Assert.Equal(expected, down.Count);
        Assert.Single(down.Select(h => scope == FaultScope.Rack ? sim.Topology[h] : sim.Topology[h] with { Rack = 0 }).Distinct());
        if (scope == FaultScope.Datacenter) Assert.All(down, h => Assert.Equal(1, sim.Topology[h].Datacenter));
    }

    [Fact]
    public void NoFaultHappensWhenNoneIsAskedFor()
    {
        var c = Run(Base);
        Assert.All(c.All(), f => Assert.True(f.Value == 0, $"{f.Name} = {f.Value} in a run without faults"));
    }

    [Fact]
    public void OneWayPartitionDropsOnlyTrafficLeavingTheSet()
    {
        var faults = new FaultCounters();
        var topo = new Network.Topology(new TopologySpec { Hosts = 4, HostsPerRack = 4 });
        var net = new Network.SimNetwork(topo, new NetworkSpec(), new Prng(1), faults);
        net.AddCut(new Network.SimNetwork.Cut([true, false, false, false], OneWay: true));
        Span<long> at = stackalloc long[2];
        Assert.Equal(0, net.Route(0, 1, 0, at));
        Assert.Equal(1, net.Route(1, 0, 0, at));
        Assert.Equal(1, net.Route(2, 3, 0, at));
        net.AddCut(new Network.SimNetwork.Cut([false, false, true, true], OneWay: false));
        Assert.Equal(0, net.Route(3, 1, 0, at));
        Assert.Equal(0, net.Route(1, 3, 0, at));
        Assert.Equal(3, faults.MessagesPartitioned);
    }

    [Fact]
    public void LinksStayFifoUnderJitter()
    {
        var topo = new Network.Topology(new TopologySpec { Hosts = 2, HostsPerRack = 1, Datacenters = 2 });
        var net = new Network.SimNetwork(topo, new NetworkSpec { Jitter = 0.9 }, new Prng(5), new FaultCounters());
        Span<long> at = stackalloc long[2];
        long last = 0;
        var seen = new HashSet<long>();
        for (long now = 0; now < 2_000_000; now += 7)
        {
            Assert.Equal(1, net.Route(0, 1, now, at));
            Assert.True(at[0] >= last, $"message sent at {now} arrives at {at[0]}, before the previous one at {last}");
            last = at[0];
            seen.Add(at[0] - now);
        }
        Assert.True(seen.Count > 100, "jitter should vary the latency");
    }
}

public class ChurnTests
{
    /// <summary>
    /// A run starts in steady state: hosts leave from the first moments at about hosts / mean session per
    /// second, for heavy-tailed sessions as for exponential ones (a fresh Pareto session would hold every
    /// departure back until its minimum length).
    /// </summary>
    [Theory]
    [InlineData(SessionDistribution.Exponential)]
    [InlineData(SessionDistribution.Pareto)]
    public void ChurnStartsInSteadyState(SessionDistribution distribution)
    {
        var s = new Scenario
        {
            Seed = 5,
            Duration = Micros.FromSeconds(100),
            SampleInterval = Micros.FromSeconds(10),
            Topology = new TopologySpec { Hosts = 4000, HostsPerRack = 40 },
            Churn = new ChurnSpec { Distribution = distribution, Alpha = 1.5, MeanSession = Micros.FromSeconds(2000), MeanOffline = Micros.FromSeconds(100_000) },
            Protocol = new ProtocolSpec { Kind = "ping", PingPeriod = Micros.FromSeconds(50) },
        };
        var sim = new Simulator(s, Bindings.Create(s.Protocol));
        sim.Run();
        // Expected 4000 * 100 / 2000 = 200 leaves.
        Assert.InRange(sim.Faults.ChurnLeaves, 140, 260);
        var early = new Simulator(s with { Duration = Micros.FromSeconds(10) }, Bindings.Create(s.Protocol));
        early.Run();
        Assert.InRange(early.Faults.ChurnLeaves, 5, 40);
    }
}
