using VinzVault.Protocol.Core;

namespace VinzVault.Runtime.Sim.Storage;

/// <summary>
/// Options of the <c>storage</c> protocol kind: the volumes the simulated VMs use, their I/O, and the ownership
/// changes the workload makes. Defaults are a small, busy cluster that runs in seconds.
/// </summary>
public sealed record StorageSpec
{
    public int Volumes { get; init; } = 8;
    /// <summary>Blocks per volume (volumes are small so the final read-back of every block stays cheap).</summary>
    public int VolumeBlocks { get; init; } = 256;
    /// <summary>Bytes per block, a power of two from 512 B to 1 MiB.</summary>
    public int BlockSize { get; init; } = 4096;
    public int ChunkBlocks { get; init; } = 16;
    /// <summary>Replication factor N when <see cref="Placement"/> is empty.</summary>
    public int Replicas { get; init; } = 3;
    /// <summary>Replicas per datacenter, e.g. "2,1" (DC 0 gets 2, DC 1 gets 1); empty means N anywhere.</summary>
    public string Placement { get; init; } = "";
    /// <summary>Datacenters whose replicas are asynchronous, e.g. "1"; empty means all synchronous.</summary>
    public string AsyncDatacenters { get; init; } = "";
    public double ReadFraction { get; init; } = 0.5;
    /// <summary>Mean I/O requests per second per VM (Poisson arrivals).</summary>
    public double IopsPerVolume { get; init; } = 20;
    public int QueueDepth { get; init; } = 4;
    /// <summary>Planned migrations (release, then attach elsewhere) of this many VMs at <see cref="MigrateAt"/>.</summary>
    public int Migrations { get; init; }
    public Micros MigrateAt { get; init; } = Micros.FromSeconds(20);
    /// <summary>Forced takeovers of this many VMs at <see cref="TakeoverAt"/>, the old owner still running.</summary>
    public int Takeovers { get; init; }
    public Micros TakeoverAt { get; init; } = Micros.FromSeconds(30);
    /// <summary>Whether the deposed owner keeps writing after a forced takeover (a zombie).</summary>
    public bool ZombieOwner { get; init; } = true;
    /// <summary>How long the cluster manager takes to notice a dead owner and attach its VM elsewhere.</summary>
    public Micros FailoverDelay { get; init; } = Micros.FromSeconds(2);
    /// <summary>Metadata operations per second across the cluster (info, list, scratch volumes created, grown, deleted).</summary>
    public double MetadataOpsPerSecond { get; init; } = 1;
    /// <summary>When client I/O stops in a run of <paramref name="duration"/>: <see cref="IoStopAt"/>, but never after 80% of the run (a shortened run keeps its read-back).</summary>
    public Micros IoStop(Micros duration) => Micros.Min(IoStopAt ?? Micros.MaxValue, new Micros(duration.Value * 4 / 5));

    /// <summary>Client I/O stops here; every block ever written is then read back once and checked. Null: at 80% of the run.</summary>
    public Micros? IoStopAt { get; init; }
}
