using VinzVault.Protocol.Core;
using VinzVault.Protocol.Storage.Messages;

namespace VinzVault.Protocol.Storage;

/// <summary>
/// Owner side, repair. Each round the owner (the chunk's repair leader here) syncs chunks it does not know yet and
/// resyncs chunks with a stale replica that is reachable again (a probe answers first, so a dead replica costs a
/// probe, not a chunk). At most <see cref="StorageOptions.MaxConcurrentResyncs"/> repairs run at once per owner,
/// which keeps repair traffic from crowding out client I/O.
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
            int slots = _options.MaxConcurrentResyncs - v.Chunks.Values.Count(c => c.Repairing);
            for (long c = 0; c < v.Spec.Geometry.Chunks && slots > 0; c++)
            {
                var chunk = GetChunk(v, c);
                if (chunk.State == ChunkState.Unknown || (chunk.State == ChunkState.Known && NeedsResync(v, chunk)))
                {
                    chunk.Repairing = true;
                    BeginSync(v, chunk);
                    slots--;
                }
            }
        }
    }

    /// <summary>True when a replica is behind, no retransmit is catching it up, and it answered recently.</summary>
    private bool NeedsResync(OwnedVolume v, OwnedChunk chunk)
    {
        bool reachableStale = false;
        for (int i = 0; i < chunk.Replicas.Length; i++)
        {
            if (chunk.InSync(i) || chunk.Tracks[i].Pending.Count > 0) continue;
            var a = chunk.Replicas[i];
            if (_heard.TryGetValue(a.Value, out var at) && _now - at <= _options.RepairInterval * 2) reachableStale = true;
            else _fx.Send(a, new StoreFenceMessage(v.Spec.Key, v.Epoch, 0));
        }
        return reachableStale;
    }
}
