using System.Text.Json.Nodes;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
using VinzVault.Protocol.Node;
using VinzVault.Protocol.Storage;
using VinzVault.Runtime.Sim.Engine;
using VinzVault.Runtime.Sim.Storage.Checkers;

namespace VinzVault.Runtime.Sim.Storage;

/// <summary>
/// Runs <see cref="StorageNode"/> on every host over static membership, with the VM workload and the storage
/// checkers; fills the report's <c>storage</c> section.
/// </summary>
public sealed class StorageBinding(StorageSpec spec, StorageOptions? options = null) : IProtocolBinding
{
    private readonly StorageOptions _options = options ?? StorageOptions.Default;
    private readonly List<ISimObserver> _observers = [];
    private StaticMembership _membership = null!;
    private VmWorkload _workload = null!;
    private NoLostAckedWriteChecker _lost = null!;
    private ReadsLinearizableChecker _stale = null!;
    private NoFencedWriteAckedChecker _fenced = null!;
    private ReplicasRestoredChecker _restored = null!;
    private MetadataLinearizableChecker _metadata = null!;
    private MetadataWorkload _admin = null!;
    private Simulator _sim = null!;

    public string Name => "storage";
    public string? ReportSection => "storage";
    public IEnumerable<ISimObserver> Observers => _observers;
    public StorageHistory History { get; } = new();
    /// <summary>The VMs' volumes.</summary>
    public IEnumerable<VolumeSpec> Volumes => _workload.Volumes;

    public void Attach(Simulator sim) => Attach(sim, sim.Hosts);

    /// <param name="founders">Hosts 0..founders-1 formed the cluster (default placement); the others join later.</param>
    public void Attach(Simulator sim, int founders)
    {
        _sim = sim;
        _membership = new StaticMembership(sim, founders);
        _lost = new NoLostAckedWriteChecker(sim.AddInvariant("noLostAckedWrite"));
        _stale = new ReadsLinearizableChecker(sim.AddInvariant("readsLinearizable"));
        _fenced = new NoFencedWriteAckedChecker(sim.AddInvariant("noFencedWriteAcked"));
        _metadata = new MetadataLinearizableChecker(sim.AddInvariant("metadataLinearizable"));
        _workload = new VmWorkload(sim, spec, History, _metadata);
        _admin = new MetadataWorkload(sim, spec, _workload, _metadata);
        _restored = new ReplicasRestoredChecker(sim.AddInvariant("replicasRestored"), spec.Volumes, _workload.UnderReplicated, _workload.DescribeUnderReplicated, SettledAt(sim.Scenario).Value);
        History.Add(_lost);
        History.Add(_stale);
        History.Add(_fenced);
        History.Add(_restored);
        _observers.Add(_workload);
        _observers.Add(_admin);
    }

    /// <summary>
    /// The repair bound: after the last fault ends, churn stops and I/O stops (plus the final read-back), a dead
    /// replica is noticed within <see cref="StorageOptions.ReplaceAfter"/> and resynced within a few repair rounds.
    /// </summary>
    private Micros SettledAt(Scenarios.Scenario s)
    {
        var last = spec.IoStop(s.Duration) + Micros.FromSeconds(2);
        foreach (var f in s.Faults) last = Micros.Max(last, f.At + (f.Duration ?? Micros.Zero));
        if (s.Churn is { } churn) last = Micros.Max(last, churn.StopAt ?? s.Duration);
        return last + _options.ReplaceAfter + _options.RepairInterval * 5;
    }

    public INode CreateNode(NodeContext context, int host) => CreateNode(context, null);

    /// <param name="view">The host's live membership, for rebalancing onto joined hosts.</param>
    public StorageNode CreateNode(NodeContext context, Func<IRoutingTable?>? view) =>
        new(context, _options, _membership.Table, _membership, _workload, view);

    public void WriteReport(JsonObject section)
    {
        var w = _workload;
        section["volumes"] = spec.Volumes;
        section["writesAcked"] = History.WritesAcked;
        section["readsChecked"] = History.ReadsChecked;
        section["lostAckedWrites"] = _lost.Lost;
        section["staleReads"] = _stale.Stale;
        section["fencedWritesAcked"] = _fenced.FencedAcked;
        section["underReplicatedChunksAtEnd"] = _restored.UnderReplicatedAtEnd;
        section["strayCopiesAtEnd"] = StrayCopies.Count(_sim, _membership, w.Volumes);
        section["readRoundTripsMean"] = w.Reads.MeanRoundTrips;
        section["writeRoundTripsMean"] = w.Writes.MeanRoundTrips;
        section["readsOneRoundTripFraction"] = w.Reads.OneRoundTripFraction;
        section["writesOneRoundTripFraction"] = w.Writes.OneRoundTripFraction;
        section["readLatencyP99Micros"] = w.Reads.P99;
        section["writeLatencyP99Micros"] = w.Writes.P99;
        section["repairBytes"] = w.RepairBytes;
        section["replicasReplaced"] = w.ReplicasReplaced;
        section["replicasRebalanced"] = w.ReplicasRebalanced;
        section["chunksToRebalanceAtEnd"] = w.ChunksToRebalance();
        section["migrations"] = w.Migrations;
        section["takeovers"] = w.Takeovers;
        section["failovers"] = w.Failovers;
        section["zombieWritesRefused"] = w.ZombieWritesRefused;
        section["metadataOps"] = _metadata.Operations;
        section["metadataViolations"] = _metadata.Violations;
        section["metadataOpsRefused"] = _admin.Refused;
        section["metadataOpsUnavailable"] = _admin.Unavailable;
        // Null when the run has no asynchronous replica.
        section["asyncLagP99Micros"] = w.AsyncLag.Count > 0 ? w.AsyncLag.P99 : null;
        section["asyncLagMaxMicros"] = w.AsyncLag.Count > 0 ? w.AsyncLag.Max : null;
    }
}
