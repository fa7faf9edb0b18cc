using VinzVault.Protocol.Node;
using VinzVault.Protocol.Storage.Metadata;

namespace VinzVault.Protocol.Storage;

/// <summary>Create a volume in the metadata register (fails if it exists). Block size and N are the volume's own.</summary>
public sealed record CreateVolume(string Name, VolumeGeometry Geometry, PlacementPolicy Policy) : ClientOp;

/// <summary>Delete a detached volume's record (its chunks are garbage for replicas to drop).</summary>
public sealed record DeleteVolume(string Name) : ClientOp;

/// <summary>Grow a detached volume to <paramref name="Blocks"/> blocks (shrinking is refused: it would drop data).</summary>
public sealed record ResizeVolume(string Name, long Blocks) : ClientOp;

/// <summary>Read a volume's record (linearizable).</summary>
public sealed record InfoVolume(string Name) : ClientOp;

/// <summary>Names of every existing volume.</summary>
public sealed record ListVolumes : ClientOp;

/// <summary>The outcome of a metadata operation: the record after it, or the names a list found.</summary>
public sealed record MetadataResult(bool Ok, string? Error = null, VolumeRecord? Record = null, IReadOnlyList<string>? Names = null) : ClientResult;

/// <summary>
/// Take ownership of a volume: the register's owner becomes this host at the next epoch. When another owner still
/// held it (forced takeover), the new owner first sends the epoch to every host that may hold a chunk and waits for
/// a majority of each chunk's replicas, so no write of an older owner can be acknowledged afterwards.
/// </summary>
public sealed record AttachVolume(string Volume) : ClientOp;

/// <summary>Planned release: stop taking I/O, finish what is queued (every acknowledged write is on a quorum), clear the owner in the register, then answer.</summary>
public sealed record DetachVolume(string Volume) : ClientOp;

/// <summary>Write bytes at a byte offset; partial blocks are read, merged and written (read-modify-write at the owner).</summary>
public sealed record WriteVolume(string Volume, long Offset, byte[] Data) : ClientOp;

/// <summary>Read bytes at a byte offset.</summary>
public sealed record ReadVolume(string Volume, long Offset, int Length) : ClientOp;

/// <summary>NBD flush: answers once every write acknowledged before it is durable on a quorum (always true here: replicas sync before acking).</summary>
public sealed record FlushVolume(string Volume) : ClientOp;

/// <summary>NBD trim / write-zeroes: the range reads as zeroes afterwards.</summary>
public sealed record TrimVolume(string Volume, long Offset, int Length) : ClientOp;

/// <summary>
/// The outcome of a volume operation. <see cref="RoundTrips"/> counts sequential network round trips the owner
/// needed (1 for a steady-state read or write). <see cref="Fenced"/> means a newer owner exists.
/// </summary>
public sealed record VolumeResult(bool Ok, string? Error = null, byte[]? Data = null, int RoundTrips = 0, bool Fenced = false, Epoch Epoch = default) : ClientResult
{
    public static readonly VolumeResult Done = new(true);
}
