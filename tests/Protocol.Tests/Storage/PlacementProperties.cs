using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Node;
using VinzVault.Protocol.Storage;

namespace VinzVault.Protocol.Tests.Storage;

/// <summary>A generated cluster: hosts spread over datacenters and racks, some datacenters possibly down (absent).</summary>
public sealed record Cluster(int Hosts, int Datacenters, int HostsPerRack, int[] PerDatacenter, bool[] DatacenterDown, long Chunk)
{
    public HostLocation Of(int h) => new(h % Datacenters, h / Datacenters / HostsPerRack);
    public override string ToString() =>
        $"{Hosts} hosts in {Datacenters} DCs, {HostsPerRack}/rack, policy [{string.Join(",", PerDatacenter)}], down [{string.Join(",", DatacenterDown)}], chunk {Chunk}";
}

public class PlacementProperties
{
    private sealed class Locations(Cluster c) : IHostLocations
    {
        public HostLocation Of(Address host) => c.Of((int)host.Value);
        public int Datacenters => c.Datacenters;
    }

    private static Arbitrary<Cluster> Clusters =>
        (from dcs in Gen.Choose(1, 3)
         from hosts in Gen.Choose(1, 80)
         from perRack in Gen.Choose(1, 6)
         from per in Gen.ArrayOf(Gen.Choose(0, 2), dcs)
         from down in Gen.ArrayOf(Gen.Elements(false, false, false, true), dcs)
         from chunk in Gen.Choose(0, 1000)
         select new Cluster(hosts, dcs, perRack, per.Sum() == 0 ? [.. per.Select((_, i) => i == 0 ? 1 : 0)] : per, down, chunk)).ToArbitrary();

    private static (Address[] Replicas, SortedRoutingTable Table) Place(Cluster c)
    {
        var table = new SortedRoutingTable();
        for (int h = 0; h < c.Hosts; h++)
            if (!c.DatacenterDown[c.Of(h).Datacenter])
                table.Apply(MembershipEvent.Join(new Member(RingId.ForHostName($"h{h}"), new Address((ulong)h), 1)));
        int n = c.PerDatacenter.Sum();
        return (Placement.Replicas(table, new Locations(c), 42, c.Chunk, n, new PlacementPolicy(c.PerDatacenter)), table);
    }

    /// <summary>
    /// N distinct live replicas whenever N hosts are up; each datacenter gets its count when it has the hosts
    /// (never more than its count unless another fell short); racks repeat only when a datacenter has too few racks.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property ReplicasFollowThePolicyAndFillInForMissingDatacenters() => Prop.ForAll(Clusters, c =>
    {
        var (replicas, table) = Place(c);
        int n = c.PerDatacenter.Sum();
        var hosts = replicas.Select(a => (int)a.Value).ToArray();
        Assert.Equal(Math.Min(n, table.Count), hosts.Length);
        Assert.Equal(hosts.Length, hosts.Distinct().Count());
        Assert.All(hosts, h => Assert.False(c.DatacenterDown[c.Of(h).Datacenter]));
        var liveHosts = Enumerable.Range(0, c.Hosts).Where(h => !c.DatacenterDown[c.Of(h).Datacenter]).ToArray();
        bool shortfall = false;
        for (int dc = 0; dc < c.Datacenters; dc++)
        {
            int have = hosts.Count(h => c.Of(h).Datacenter == dc), available = liveHosts.Count(h => c.Of(h).Datacenter == dc);
            Assert.Equal(Math.Min(c.PerDatacenter[dc], available), Math.Min(have, c.PerDatacenter[dc]));
            shortfall |= available < c.PerDatacenter[dc];
        }
        if (!shortfall)
            for (int dc = 0; dc < c.Datacenters; dc++) Assert.Equal(c.PerDatacenter[dc], hosts.Count(h => c.Of(h).Datacenter == dc));
        foreach (var dup in hosts.Select(c.Of).GroupBy(l => l).Where(g => g.Count() > 1))
        {
            // A rack repeats only in a datacenter that holds more replicas than it has racks.
            int dc = dup.Key.Datacenter;
            int racksThere = liveHosts.Select(c.Of).Where(l => l.Datacenter == dc).Distinct().Count();
            Assert.True(hosts.Count(h => c.Of(h).Datacenter == dc) > racksThere, $"rack {dup.Key} repeated though datacenter {dc} has {racksThere} racks: {c}");
        }
        Assert.Equal(replicas, Place(c).Replicas);
    });
}
