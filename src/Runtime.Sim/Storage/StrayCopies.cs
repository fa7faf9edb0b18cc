using VinzVault.Protocol.Storage;
using VinzVault.Protocol.Storage.Metadata;
using VinzVault.Runtime.Sim.Engine;

namespace VinzVault.Runtime.Sim.Storage;

/// <summary>
/// Chunk copies on hosts' disks (up or down) outside the chunk's recorded replica set: the set in the volume's
/// newest accepted record, else the default placement; every copy of a deleted volume. The garbage that owners'
/// drops and replicas' cleanup have left at the end of a run.
/// </summary>
public static class StrayCopies
{
    public static int Count(Simulator sim, StaticMembership membership, IEnumerable<VolumeSpec> volumes)
    {
        int stray = 0;
        foreach (var spec in volumes)
        {
            var record = NewestRecord(sim, spec.Key);
            for (long c = 0; c < spec.Geometry.Chunks; c++)
            {
                var set = record?.Status == VolumeStatus.Deleted ? []
                    : record?.Replaced is { } sets && sets.TryGetValue(c, out var s) ? s
                    : Placement.Replicas(membership.Table, membership, spec.Key, c, spec.Geometry.Replicas, spec.Policy);
                ulong file = VolumeKeys.ChunkFile(spec.Key, c);
                for (int h = 0; h < sim.Hosts; h++)
                    if (sim.HasFile(h, file) && Array.IndexOf(set, sim.Addresses[h]) < 0) stray++;
            }
        }
        return stray;
    }

    /// <summary>The value accepted under the highest ballot by any live acceptor (at the end of a run, the chosen one).</summary>
    private static VolumeRecord? NewestRecord(Simulator sim, ulong key)
    {
        (Ballot Ballot, byte[] Value)? newest = null;
        for (int h = 0; h < sim.Hosts; h++)
            if (sim.NodeOf<StorageNode>(h)?.AcceptedRegister(key) is { } a && (newest is null || a.Ballot > newest.Value.Ballot)) newest = a;
        return newest is { } n ? VolumeRecord.Decode(n.Value) : null;
    }
}
