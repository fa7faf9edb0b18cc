using System.Text.Json.Nodes;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Node;
using VinzVault.Protocol.Storage;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Scenarios;
using VinzVault.Runtime.Sim.Storage;

namespace VinzVault.Runtime.Sim.Protocols;

/// <summary>
/// The <c>host</c> kind: every host runs D1HT membership and storage together (<see cref="HostNode"/>), with both
/// workloads, both sets of checkers and both report sections. Storage places chunks over the deployment's host
/// list (as a real host reads it from its configuration); it does not take its placement from D1HT's tables yet.
/// </summary>
public sealed class HostBinding(D1htSpec d1ht, StorageSpec storage, StorageOptions? storageOptions = null) : IProtocolBinding
{
    private readonly D1htBinding _membership = new(d1ht);
    private readonly StorageBinding _storage = new(storage, storageOptions);

    public string Name => "host";
    /// <summary>The VMs' volumes.</summary>
    public IEnumerable<VolumeSpec> Volumes => _storage.Volumes;
    public string? ReportSection => "membership";
    public IEnumerable<ISimObserver> Observers => _membership.Observers.Concat(_storage.Observers);
    public IEnumerable<(string Name, Action<JsonObject> Write)> Sections => [("membership", _membership.WriteReport), ("storage", _storage.WriteReport)];

    public void Attach(Simulator sim)
    {
        _membership.Attach(sim);
        _storage.Attach(sim, _membership.FormedHosts);
    }

    public INode CreateNode(NodeContext context, int host)
    {
        var membership = (D1htNode)_membership.CreateNode(context, host);
        // Storage sees the live view only while this host is a member (a joiner's table arrives in pieces).
        var storage = _storage.CreateNode(context with { Seed = Prng.Derive(context.Seed, 0x5707) }, () => membership.IsMember ? membership.Table : null);
        return new HostNode(membership, storage);
    }

    public void WriteReport(JsonObject section) => _membership.WriteReport(section);
}
