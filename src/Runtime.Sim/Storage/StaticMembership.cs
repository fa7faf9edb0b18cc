using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Node;
using VinzVault.Protocol.Storage;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Network;

namespace VinzVault.Runtime.Sim.Storage;

/// <summary>
/// The founding members, the same on every host: one routing table filled once at the start from the scenario's
/// host list (the hosts that form the cluster, incarnation 1) and never changed, so no node reads the simulator's
/// truth later. Storage places chunks and registers by it; hosts that join later get chunks by rebalancing. Hosts'
/// locations come from the topology, as a real host would read them from its rack map.
/// </summary>
public sealed class StaticMembership : IHostLocations
{
    private readonly Topology _topology;

    public StaticMembership(Simulator sim, int founders)
    {
        _topology = sim.Topology;
        for (int h = 0; h < founders; h++)
            Table.Apply(MembershipEvent.Join(new Member(RingId.ForHostName(Simulator.HostName(h)), sim.Addresses[h], 1)));
    }

    public SortedRoutingTable Table { get; } = new();

    public int Datacenters => _topology.Datacenters;

    public HostLocation Of(Address host) => host.Value < (ulong)_topology.Hosts ? _topology[(int)host.Value] : default;
}
