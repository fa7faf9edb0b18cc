using VinzVault.Protocol.Node;

namespace VinzVault.Protocol.Storage;

/// <summary>
/// Take ownership of a volume at <paramref name="Epoch"/> (granted by the metadata register or the caller).
/// With <paramref name="Takeover"/> the owner first sends the epoch to every host that may hold a chunk and waits
/// for a majority of each chunk's replicas, so no write of an older owner can be acknowledged afterwards.
/// </summary>
public sealed record AttachVolume(VolumeSpec Volume, Epoch Epoch, bool Takeover) : ClientOp;

/// <summary>Planned release: stop taking I/O, finish what is queued (every acknowledged write is on a quorum), then answer.</summary>
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
public sealed record VolumeResult(bool Ok, string? Error = null, byte[]? Data = null, int RoundTrips = 0, bool Fenced = false) : ClientResult
{
    public static readonly VolumeResult Done = new(true);
}
