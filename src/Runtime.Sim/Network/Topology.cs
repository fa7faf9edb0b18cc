using VinzVault.Protocol.Node;
using VinzVault.Runtime.Sim.Scenarios;

namespace VinzVault.Runtime.Sim.Network;

public enum LinkClass : byte { SameHost, SameRack, SameDatacenter, CrossDatacenter }

/// <summary>Datacenters → racks → hosts. Host i lives in datacenter i mod D, racks filled in order within it.</summary>
public sealed class Topology
{
    private readonly HostLocation[] _loc;

    public Topology(TopologySpec spec)
    {
        Hosts = spec.Hosts;
        Datacenters = Math.Max(1, spec.Datacenters);
        _loc = new HostLocation[Hosts];
        var perDc = new int[Datacenters];
        int racksPerDcMax = 0;
        for (int i = 0; i < Hosts; i++)
        {
            int dc = i % Datacenters;
            int rack = perDc[dc]++ / spec.HostsPerRack;
            _loc[i] = new HostLocation(dc, rack);
            racksPerDcMax = Math.Max(racksPerDcMax, rack + 1);
        }
        RacksPerDatacenter = racksPerDcMax;
    }

    public int Hosts { get; }
    public int Datacenters { get; }
    public int RacksPerDatacenter { get; }
    public HostLocation this[int host] => _loc[host];

    public LinkClass Classify(int a, int b)
    {
        if (a == b) return LinkClass.SameHost;
        var x = _loc[a];
        var y = _loc[b];
        if (x.Datacenter != y.Datacenter) return LinkClass.CrossDatacenter;
        return x.Rack == y.Rack ? LinkClass.SameRack : LinkClass.SameDatacenter;
    }
}
