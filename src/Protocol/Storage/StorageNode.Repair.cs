using Microsoft.Extensions.Logging;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Storage.Messages;
using VinzVault.Protocol.Storage.Metadata;

namespace VinzVault.Protocol.Storage;

/// <summary>
/// Owner side, repair. Each round the owner (the chunk's repair leader here) syncs chunks it does not know yet and
/// resyncs chunks with a stale replica that is reachable again (a probe answers first, so a dead replica costs a
/// probe, not a chunk), and replaces replicas that stay silent. At most <see cref="StorageOptions.MaxConcurrentResyncs"/>
/// repairs run at once per volume (not per owner: each volume the owner holds has its own slots), which keeps repair
/// traffic from crowding out the volume's client I/O; one that ends makes room for the next at once.
/// </summary>
public sealed partial class StorageNode
{
    private Micros _nextRepair;

    private void RepairRound()
    {
        if (_now < _nextRepair) return;
        _nextRepair = _now + _options.RepairInterval;
        foreach (var v in _owned.Values)
        {
            if (v.State != VolumeState.Active) continue;
            ReplaceDeadReplicas(v);
            StartResyncs(v);
        }
    }

    /// <summary>
    /// Fills the volume's free resync slots; runs each round and whenever a repair ends. The throttle bounds repairs in
    /// flight, not repairs per round: refilling only once a round would cap repair at MaxConcurrentResyncs chunks per
    /// RepairInterval, so replacing a lost host that held every chunk of a volume would take a round per two chunks.
    /// </summary>
    private void StartResyncs(OwnedVolume v)
    {
        if (v.State != VolumeState.Active) return;
        int slots = _options.MaxConcurrentResyncs - v.Chunks.Values.Count(c => c.Repairing);
        for (long c = 0; c < v.Spec.Geometry.Chunks && slots > 0; c++)
        {
            var chunk = GetChunk(v, c);
            if (chunk.State == ChunkState.Unknown || (chunk.State == ChunkState.Known && NeedsResync(chunk)))
            {
                chunk.Repairing = true;
                BeginSync(v, chunk);
                slots--;
            }
        }
    }

    /// <summary>True when a replica is behind, no retransmit is catching it up, and it answered recently.</summary>
    private bool NeedsResync(OwnedChunk chunk)
    {
        for (int i = 0; i < chunk.Replicas.Length; i++)
            if (!chunk.InSync(i) && chunk.Tracks[i].Pending.Count == 0 && HeardWithin(chunk.Replicas[i], _options.RepairInterval * 2)) return true;
        return false;
    }

    private bool HeardWithin(Address a, Micros span) => _heard.TryGetValue(a.Value, out var at) && _now - at <= span;

    /// <summary>Probes every lagging replica not heard from lately (a probe answer makes it a resync candidate; none, a replacement one).</summary>
    private void ProbeLaggingReplicas(OwnedVolume v, OwnedChunk chunk)
    {
        for (int i = 0; i < chunk.Replicas.Length; i++)
        {
            var a = chunk.Replicas[i];
            if (chunk.InSync(i) || HeardWithin(a, _options.RepairInterval * 2)) continue;
            Asked(a);
            _fx.Send(a, new StoreFenceMessage(v.Spec.Key, v.Epoch, 0));
        }
    }

    /// <summary>Per replica host, when this owner sent it the oldest request it has not answered anything since.</summary>
    private readonly SortedDictionary<ulong, Micros> _unansweredSince = [];

    private void Asked(Address a) => _unansweredSince.TryAdd(a.Value, _now);

    /// <summary>
    /// A request has waited longer than <see cref="StorageOptions.ReplaceAfter"/> without any answer from the host.
    /// (Time since the last answer would not do: a replica the owner rarely needs is not dead for being quiet.)
    /// </summary>
    private bool Silent(Address a) => _unansweredSince.TryGetValue(a.Value, out var since) && _now - since > _options.ReplaceAfter;

    /// <summary>
    /// Replaces members that stay silent: the replacement joins as an extra member (joint quorums), is brought in
    /// sync by the ordinary resync, then the next set is recorded in the register with a compare-and-set that only
    /// this owner at this epoch can win; only then does the dead member leave, and it is told to drop its copy.
    /// Membership of a chunk changes only while nothing is in flight on it (in-flight bookkeeping is by member index).
    /// </summary>
    private void ReplaceDeadReplicas(OwnedVolume v)
    {
        foreach (var chunk in v.Chunks.Values)
        {
            if (chunk.State != ChunkState.Known) continue;
            StepReplacement(v, chunk);
            // After the step, so a member that just joined is probed this round: its answer makes it a resync candidate.
            ProbeLaggingReplicas(v, chunk);
        }
    }

    private void StepReplacement(OwnedVolume v, OwnedChunk chunk)
    {
        bool quiet = chunk.Inflight.Count == 0 && chunk.Sync is null && !_reads.Values.Any(r => r.Chunk == chunk);
        if (chunk.Replacing)
        {
            var joiner = chunk.Replicas[^1];
            if (!chunk.Recording && !chunk.Recorded && chunk.InSync(chunk.Replicas.Length - 1)) RecordReplicaSet(v, chunk);
            else if (!chunk.Recording && !chunk.Recorded && quiet && _now - chunk.ReplaceStarted > _options.ReplaceAfter)
            {
                // The joiner never caught up: count it silent since we first asked, so the next pick skips it.
                _unansweredSince.TryAdd(joiner.Value, chunk.ReplaceStarted);
                LogReplaceCancelled(_ctx.Logger, v.Spec.Name, chunk.Index, joiner);
                chunk.CancelReplace();
            }
            else if (chunk.Recorded && quiet)
            {
                var next = chunk.NextSet;
                LogReplaceFinished(_ctx.Logger, v.Spec.Name, chunk.Index, joiner);
                foreach (var gone in chunk.FinishReplace())
                {
                    _fx.Send(gone, new StoreDropMessage(v.Spec.Key, v.Epoch, chunk.Index));
                    _observer?.ReplicaReplaced();
                }
                v.Overrides[chunk.Index] = next;
            }
            return;
        }
        if (!quiet) return;
        for (int i = 0; i < chunk.Replicas.Length; i++)
        {
            if (chunk.InSync(i) || !Silent(chunk.Replicas[i])) continue;
            var leaving = chunk.Replicas[i];
            var joining = Placement.Replacement(_table, _locations, v.Spec.Key, chunk.Index, chunk.Replicas, leaving, v.Spec.Policy, Silent);
            if (joining is not { } j) continue;
            chunk.BeginReplace(i, j, !v.Spec.Policy.IsAsync(_locations.Of(j).Datacenter));
            chunk.ReplaceStarted = _now;
            LogReplaceStarted(_ctx.Logger, v.Spec.Name, chunk.Index, leaving, j);
            return;
        }
    }

    private void RecordReplicaSet(OwnedVolume v, OwnedChunk chunk)
    {
        chunk.Recording = true;
        var next = chunk.NextSet;
        ProposeRegister(v.Spec.Key, value =>
        {
            if (VolumeRecord.Decode(value) is not { } r || r.Owner != _self || r.Epoch != v.Epoch) return new RegisterChange(null, "no longer the owner");
            var replaced = new SortedDictionary<long, Address[]>();
            foreach (var (c, set) in r.Replaced ?? replaced) replaced[c] = set;
            replaced[chunk.Index] = next;
            return new RegisterChange((r with { Replaced = replaced, Version = r.Version + 1 }).Encode());
        }, (_, error) =>
        {
            chunk.Recording = false;
            chunk.Recorded = error is null;
            LogReplicaSetRecorded(_ctx.Logger, v.Spec.Name, chunk.Index, error ?? "ok");
        });
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "volume {Volume} chunk {Chunk}: replacing silent {Leaving} by {Joining}")]
    private static partial void LogReplaceStarted(ILogger logger, string volume, long chunk, Address leaving, Address joining);

    [LoggerMessage(Level = LogLevel.Debug, Message = "volume {Volume} chunk {Chunk}: {Joining} never caught up, replacement cancelled")]
    private static partial void LogReplaceCancelled(ILogger logger, string volume, long chunk, Address joining);

    [LoggerMessage(Level = LogLevel.Debug, Message = "volume {Volume} chunk {Chunk}: recording the next replica set: {Result}")]
    private static partial void LogReplicaSetRecorded(ILogger logger, string volume, long chunk, string result);

    [LoggerMessage(Level = LogLevel.Debug, Message = "volume {Volume} chunk {Chunk}: {Joining} joined, the replaced member is told to drop its copy")]
    private static partial void LogReplaceFinished(ILogger logger, string volume, long chunk, Address joining);
}
