using System.Text.Json.Nodes;
using VinzVault.Protocol.Core;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Protocols;
using VinzVault.Runtime.Sim.Scenarios;

namespace VinzVault.Runtime.Sim.Tests.Protocols;

public class D1htSimulationTests
{
    private static Scenario Churny(int hosts) => new()
    {
        Name = "d1ht-test",
        Seed = 5,
        Duration = Micros.FromSeconds(900),
        SampleInterval = Micros.FromSeconds(5),
        Topology = new TopologySpec { Hosts = hosts, Datacenters = 1, HostsPerRack = 20 },
        Churn = new ChurnSpec { MeanSession = Micros.FromSeconds(1200), MeanOffline = Micros.FromSeconds(60), StopAt = Micros.FromSeconds(150) },
        Faults = [new FaultSpec { Kind = FaultKind.Crash, At = Micros.FromSeconds(60), Fraction = 0.1, Duration = Micros.FromSeconds(40) }],
        Protocol = new ProtocolSpec { Kind = "d1ht", D1ht = new D1htSpec { Quarantine = Micros.FromSeconds(10), LookupsPerSecond = 50 } },
    };

    private static (Simulator Sim, JsonObject Membership) Run(Scenario s, bool? shared)
    {
        var sim = new Simulator(s, new D1htBinding(s.Protocol.D1ht, shared));
        sim.Run();
        var section = new JsonObject();
        sim.Binding.WriteReport(section);
        return (sim, section);
    }

    [Fact]
    public void ChurnAndACrashBurstConvergeWithEveryInvariantHeld()
    {
        var (sim, m) = Run(Churny(150), shared: null);
        Assert.All(sim.Invariants, i => Assert.True(i.Held, $"{i.Name}: {i.FirstViolation}"));
        Assert.True((bool?)m["tableConvergedAfterFaults"]);
        Assert.True((double)m["oneHopFraction"]! >= 0.98, m.ToJsonString());
    }

    [Fact]
    public void SharedTablesGiveExactlyTheRunOfPerHostSortedTables()
    {
        // The shared representation is exact: every host sees what its own messages told it, so the whole run
        // (every message, timer and choice) is the same as with one sorted table per host.
        var s = Churny(120) with { Duration = Micros.FromSeconds(300) };
        var (sorted, _) = Run(s, shared: false);
        var (shared, _) = Run(s, shared: true);
        Assert.Equal(sorted.MessagesSent, shared.MessagesSent);
        Assert.Equal(sorted.Digest, shared.Digest);
    }
}
