using Microsoft.Extensions.Logging;
using VinzVault.Protocol.Core;

namespace VinzVault.Protocol.Node;

/// <summary>
/// A host's whole protocol state, driven from outside (sans-IO): the runtime feeds inputs and carries
/// out the effects. Step never blocks, never reads a clock, and never throws because a peer sent garbage.
/// </summary>
public interface INode
{
    void Step(Micros now, in Input input, Effects effects);
}

/// <summary>What a runtime tells a node about itself when it creates it.</summary>
/// <param name="Self">Where this host is reached.</param>
/// <param name="Name">The authenticated host name; the ring ID derives from it.</param>
/// <param name="Seed">Seed of this node's Prng (run seed and host index in the simulator).</param>
/// <param name="Peers">Hosts to contact first (a config list in the real runtime, all hosts in the simulator).</param>
/// <param name="Location">Datacenter and rack, for placement.</param>
public sealed record NodeContext(Address Self, string Name, ulong Seed, IReadOnlyList<Address> Peers, ILogger Logger, HostLocation Location)
{
    public RingId Id { get; } = RingId.ForHostName(Name);
}

/// <summary>Where a host sits physically.</summary>
public readonly record struct HostLocation(int Datacenter, int Rack);
