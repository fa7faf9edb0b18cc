using VinzVault.Protocol.Core;
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
    /// <remarks>One pass over the hosts' disks and one over their acceptors: per volume and chunk over every host it was
    /// O(volumes x chunks x hosts), 90 s at the end of datacenter-100k.</remarks>
    public static int Count(Simulator sim, StaticMembership membership, IEnumerable<VolumeSpec> volumes)
    {
        var chunkOf = new Dictionary<ulong, (VolumeSpec Spec, long Chunk)>();
        foreach (var spec in volumes)
            for (long c = 0; c < spec.Geometry.Chunks; c++) chunkOf[VolumeKeys.ChunkFile(spec.Key, c)] = (spec, c);
        var records = NewestRecords(sim);
        var sets = new Dictionary<ulong, Address[]>();
        int stray = 0;
        for (int h = 0; h < sim.Hosts; h++)
            foreach (ulong file in sim.FilesOf(h))
            {
                if (!chunkOf.TryGetValue(file, out var at)) continue;
                if (!sets.TryGetValue(file, out var set)) sets[file] = set = RecordedSet(membership, at.Spec, at.Chunk, records.TryGetValue(at.Spec.Key, out var r) ? VolumeRecord.Decode(r.Value) : null);
                if (Array.IndexOf(set, sim.Addresses[h]) < 0) stray++;
            }
        return stray;
    }

    private static Address[] RecordedSet(StaticMembership membership, VolumeSpec spec, long chunk, VolumeRecord? record) =>
        record?.Status == VolumeStatus.Deleted ? []
        : record?.Replaced is { } sets && sets.TryGetValue(chunk, out var s) ? s
        : Placement.Replicas(membership.Table, membership, spec.Key, chunk, spec.Geometry.Replicas, spec.Policy);

    /// <summary>Per register, the value accepted under the highest ballot by any live acceptor (at the end of a run, the chosen one).</summary>
    private static Dictionary<ulong, (Ballot Ballot, byte[] Value)> NewestRecords(Simulator sim)
    {
        var newest = new Dictionary<ulong, (Ballot Ballot, byte[] Value)>();
        for (int h = 0; h < sim.Hosts; h++)
            foreach (var (key, ballot, value) in sim.NodeOf<StorageNode>(h)?.AcceptedRegisters() ?? [])
                if (!newest.TryGetValue(key, out var n) || ballot > n.Ballot) newest[key] = (ballot, value);
        return newest;
    }
}
