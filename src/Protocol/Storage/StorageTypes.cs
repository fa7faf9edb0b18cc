using VinzVault.Protocol.Core;

namespace VinzVault.Protocol.Storage;

/// <summary>An owner's term for a volume; a replica rejects any request carrying a lower one (fencing).</summary>
public readonly record struct Epoch(ulong Value) : IComparable<Epoch>
{
    public int CompareTo(Epoch other) => Value.CompareTo(other.Value);
    public static bool operator <(Epoch a, Epoch b) => a.Value < b.Value;
    public static bool operator >(Epoch a, Epoch b) => a.Value > b.Value;
    public static bool operator <=(Epoch a, Epoch b) => a.Value <= b.Value;
    public static bool operator >=(Epoch a, Epoch b) => a.Value >= b.Value;
    public Epoch Next => new(Value + 1);
    public override string ToString() => "e" + Value;
}

/// <summary>
/// The version of one block's content: the owner epoch that wrote it and the owner's per-chunk sequence number
/// within that epoch. Replicas keep the highest; a later epoch beats every write of an earlier one.
/// </summary>
public readonly record struct BlockVersion(Epoch Epoch, long Seq) : IComparable<BlockVersion>
{
    public static readonly BlockVersion None = default;
    public bool IsNone => Epoch.Value == 0 && Seq == 0;
    public int CompareTo(BlockVersion other) => Epoch != other.Epoch ? Epoch.CompareTo(other.Epoch) : Seq.CompareTo(other.Seq);
    public static bool operator <(BlockVersion a, BlockVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(BlockVersion a, BlockVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(BlockVersion a, BlockVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(BlockVersion a, BlockVersion b) => a.CompareTo(b) >= 0;
    public override string ToString() => $"{Epoch}.{Seq}";
}

/// <summary>How a volume is cut: block size (a power of two, 512 B to 1 MiB), blocks per chunk, size in blocks, replicas.</summary>
public sealed record VolumeGeometry(int BlockSizeLog2, int ChunkBlocks, long Blocks, int Replicas)
{
    public const int MinBlockSizeLog2 = 9, MaxBlockSizeLog2 = 20;

    public int BlockSize => 1 << BlockSizeLog2;
    public long Chunks => (Blocks + ChunkBlocks - 1) / ChunkBlocks;
    public long SizeBytes => Blocks << BlockSizeLog2;
    /// <summary>Write and read quorum: a majority of the synchronous replicas.</summary>
    public int Quorum => Replicas / 2 + 1;
    /// <summary>Blocks in chunk <paramref name="chunk"/> (the last one may be short).</summary>
    public int BlocksIn(long chunk) => (int)Math.Min(ChunkBlocks, Blocks - chunk * ChunkBlocks);

    /// <summary>Null when valid, else a message a user can act on.</summary>
    public string? Validate() =>
        BlockSizeLog2 is < MinBlockSizeLog2 or > MaxBlockSizeLog2 ? $"block size 2^{BlockSizeLog2} is outside 512 B..1 MiB"
        : ChunkBlocks < 1 ? "a chunk needs at least one block"
        : Blocks < 1 ? "a volume needs at least one block"
        : Replicas is < 1 or > 15 ? $"replication factor {Replicas} is outside 1..15"
        : (long)ChunkBlocks << BlockSizeLog2 > 2 << 20 ? "a chunk may hold at most 2 MiB (one message carries a whole chunk)"
        : null;
}

/// <summary>A volume as an owner serves it: its name, geometry and placement policy.</summary>
public sealed record VolumeSpec(string Name, VolumeGeometry Geometry, PlacementPolicy Policy)
{
    public ulong Key { get; } = VolumeKeys.Of(Name);
}

/// <summary>Stable keys and replica file names derived from a volume's name.</summary>
public static class VolumeKeys
{
    public static ulong Of(string name) => StableHash.Of("volume:" + name);
    /// <summary>Where chunk c of a volume starts walking the ring.</summary>
    public static RingId ChunkKey(ulong volume, long chunk) => new(StableHash.Combine(volume, (ulong)chunk));
    public static ulong ChunkFile(ulong volume, long chunk) => StableHash.Combine(StableHash.Mix(volume ^ 0xc4), (ulong)chunk);
    public static ulong EpochFile(ulong volume) => StableHash.Combine(StableHash.Mix(volume ^ 0xe9), 0);
    public static ulong RegisterFile(ulong key) => StableHash.Combine(StableHash.Mix(key ^ 0x7e6), 0);
    /// <summary>The host's log of the chunk copies it holds (one per host).</summary>
    public static readonly ulong HoldingsFile = StableHash.Combine(StableHash.Mix(0x401d), 1);
}
