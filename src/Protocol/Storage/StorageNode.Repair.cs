using Microsoft.Extensions.Logging;
using VinzVault.Protocol.Core;
using VinzVault.Protocol.Membership;
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
        var view = _now >= v.NextRebalance ? _view?.Invoke() : null;
        int moves = 0;
        if (view is not null)
        {
            v.NextRebalance = _now + _options.RebalanceInterval;
            moves = _options.MaxConcurrentResyncs - v.Chunks.Values.Count(c => c.Rebalancing);
        }
        foreach (var chunk in v.Chunks.Values)
        {
            if (chunk.State != ChunkState.Known) continue;
            // A chunk with no replacement to step is quiet and not replacing: it may start a move.
            if (!StepReplacement(v, chunk) && moves > 0 && Rebalance(v, chunk, view!, start: true)) moves--;
            // After the step, so a member that just joined is probed this round: its answer makes it a resync candidate.
            ProbeLaggingReplicas(v, chunk);
        }
    }

    /// <summary>Moves a replacement on; false when the chunk has none and starts none.</summary>
    private bool StepReplacement(OwnedVolume v, OwnedChunk chunk)
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
                bool rebalanced = chunk.Rebalancing;
                foreach (var gone in chunk.FinishReplace())
                {
                    _fx.Send(gone, new StoreDropMessage(v.Spec.Key, v.Epoch, chunk.Index, chunk.NextSeq - 1));
                    _observer?.ReplicaReplaced(rebalanced);
                }
                v.Overrides[chunk.Index] = next;
            }
            return true;
        }
        if (!quiet) return true;
        for (int i = 0; i < chunk.Replicas.Length; i++)
        {
            if (chunk.InSync(i) || !Silent(chunk.Replicas[i])) continue;
            var leaving = chunk.Replicas[i];
            // From the live view when there is one: it leaves out hosts D1HT knows are gone and includes joined ones.
            var joining = Placement.Replacement(_view?.Invoke() ?? _table, _locations, v.Spec.Key, chunk.Index, chunk.Replicas, leaving, v.Spec.Policy, Silent);
            if (joining is not { } j) continue;
            chunk.BeginReplace(i, j, !v.Spec.Policy.IsAsync(_locations.Of(j).Datacenter));
            chunk.ReplaceStarted = _now;
            LogReplaceStarted(_ctx.Logger, v.Spec.Name, chunk.Index, leaving, j);
            return true;
        }
        return false;
    }

    /// <summary>
    /// Rebalancing onto joined hosts. A chunk belongs on the first N hosts from its key in this owner's live view (the
    /// placement rule over the live members); when that puts it on a host that joined after the cluster formed (not a
    /// founding member) and one of its members is not placed there, the joined host replaces that member like a dead
    /// one is replaced: it joins as an extra member, is resynced while the old member keeps serving, the next set is
    /// recorded in the register, and only then the old member leaves and drops its copy. Only in-sync, quiet chunks
    /// move, and at most <see cref="StorageOptions.MaxConcurrentResyncs"/> per volume at once. Founding members are
    /// not moved back onto: a founder that returns after its chunks were replaced keeps the replacements (moving
    /// them back would double the repair traffic of every crash).
    /// Returns whether the in-sync chunk needs a move (it is not placed as the view says); with <paramref name="start"/>
    /// (only for a quiet chunk not replacing), starts it.
    /// </summary>
    private bool Rebalance(OwnedVolume v, OwnedChunk chunk, IRoutingTable view, bool start)
    {
        if (!chunk.FullyReplicated) return false;
        var ideal = Placement.ReplicaMembers(view, _locations, v.Spec.Key, chunk.Index, v.Spec.Geometry.Replicas, v.Spec.Policy);
        foreach (var h in ideal)
        {
            if (chunk.IndexOf(h.Address) >= 0 || _table.TryGetState(h.Id, out _)) continue;
            if (Silent(h.Address))
            {
                // It stays silent until it answers something: ask, as for a lagging member (it is back in the view).
                if (start) _fx.Send(h.Address, new StoreFenceMessage(v.Spec.Key, v.Epoch, 0));
                continue;
            }
            int dc = _locations.Of(h.Address).Datacenter;
            for (int i = 0; i < chunk.Replicas.Length; i++)
            {
                var m = chunk.Replicas[i];
                if (Array.Exists(ideal, x => x.Address == m)) continue;
                if (v.Spec.Policy.PerDatacenter is not null && _locations.Of(m).Datacenter != dc) continue;
                if (!start) return true;
                chunk.BeginReplace(i, h.Address, !v.Spec.Policy.IsAsync(dc));
                chunk.Rebalancing = true;
                chunk.ReplaceStarted = _now;
                LogRebalanceStarted(_ctx.Logger, v.Spec.Name, chunk.Index, m, h.Address);
                return true;
            }
        }
        return false;
    }

    /// <summary>Chunks of an owned volume whose members differ from where this owner's view places them on joined hosts.</summary>
    public int ChunksToRebalance(string volume)
    {
        if (!_owned.TryGetValue(volume, out var v) || v.State != VolumeState.Active || _view?.Invoke() is not { } view) return 0;
        return v.Chunks.Values.Count(c => c.Replacing ? c.Rebalancing : Rebalance(v, c, view, start: false));
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "volume {Volume} chunk {Chunk}: moving from {Leaving} onto joined {Joining}")]
    private static partial void LogRebalanceStarted(ILogger logger, string volume, long chunk, Address leaving, Address joining);

    [LoggerMessage(Level = LogLevel.Debug, Message = "volume {Volume} chunk {Chunk}: {Joining} never caught up, replacement cancelled")]
    private static partial void LogReplaceCancelled(ILogger logger, string volume, long chunk, Address joining);

    [LoggerMessage(Level = LogLevel.Debug, Message = "volume {Volume} chunk {Chunk}: recording the next replica set: {Result}")]
    private static partial void LogReplicaSetRecorded(ILogger logger, string volume, long chunk, string result);

    [LoggerMessage(Level = LogLevel.Debug, Message = "volume {Volume} chunk {Chunk}: {Joining} joined, the replaced member is told to drop its copy")]
    private static partial void LogReplaceFinished(ILogger logger, string volume, long chunk, Address joining);
}
